#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| sbom_fuzz::target("spdx3_json").expect("a target of that name")(data));
