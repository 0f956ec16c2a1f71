#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| sbom_fuzz::target("os_release").expect("a target of that name")(data));
