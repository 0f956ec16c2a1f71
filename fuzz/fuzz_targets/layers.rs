#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| sbom_fuzz::target("layers").expect("a target of that name")(data));
