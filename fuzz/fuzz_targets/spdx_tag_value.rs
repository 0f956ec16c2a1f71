#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| sbom_fuzz::target("spdx_tag_value").expect("a target of that name")(data));
