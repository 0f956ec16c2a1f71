#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| sbom_fuzz::target("programs").expect("a target of that name")(data));
