//! Entry points of the fuzz targets: one function per input surface, each taking the
//! fuzzer's bytes. `fuzz/fuzz_targets/NAME.rs` calls the function of the same name in
//! [`TARGETS`], and `tests/replay.rs` runs every file of `fuzz/corpus/NAME/` through
//! it, so a stable `cargo test` guards what fuzzing found without running the fuzzer.
//!
//! An entry point calls the library the way the `sbom` command does and ignores the
//! result: a panic, a hang or a huge allocation is a bug in the library, never an
//! expected outcome. Where one input must carry several files (a dpkg status and a
//! package's file list, an index and the manifests it names), the parts are separated
//! by [`SEPARATOR`].
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

mod audit;
mod catalog;
mod formats;
mod image;
mod other;

/// An entry point: the fuzzer's bytes in, nothing out (a panic is the finding).
pub type Entry = fn(&[u8]);

/// Every target: its name (the file under `fuzz/fuzz_targets/` and the folder under
/// `fuzz/corpus/`) and its entry point.
pub const TARGETS: &[(&str, Entry)] = &[
    ("layer", image::layer),
    ("layers", image::layers),
    ("image_manifest", image::manifest),
    ("dpkg", catalog::dpkg),
    ("python", catalog::python),
    ("apk", catalog::apk),
    ("os_release", catalog::os_release),
    ("rpm_header", catalog::rpm_header),
    ("rpm_sqlite", catalog::rpm_sqlite),
    ("rpm_bdb", catalog::rpm_bdb),
    ("rpm_ndb", catalog::rpm_ndb),
    ("golang", catalog::golang),
    ("rust_audit", catalog::rust_audit),
    ("programs", catalog::programs),
    ("java", catalog::java),
    ("npm", catalog::npm),
    ("gem", catalog::gem),
    ("composer", catalog::composer),
    ("cyclonedx_json", formats::cyclonedx_json),
    ("cyclonedx_xml", formats::cyclonedx_xml),
    ("spdx_json", formats::spdx_json),
    ("spdx_tag_value", formats::spdx_tag_value),
    ("spdx3_json", formats::spdx3_json),
    ("osv", audit::osv),
    ("vex", audit::vex),
    ("ansible", other::ansible),
    ("release_manifest", other::release_manifest),
];

/// The entry point of target `name`.
pub fn target(name: &str) -> Option<Entry> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// Separates the files of one input (newline, NUL, newline: rare in text, easy for a
/// mutator to make).
pub const SEPARATOR: &[u8] = b"\n\x00\n";

/// The input cut at each [`SEPARATOR`] into at most `n` parts (the last keeps the
/// rest, separators and all).
pub(crate) fn parts(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while out.len() + 1 < n {
        match rest.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
            Some(i) => {
                out.push(&rest[..i]);
                rest = &rest[i + SEPARATOR.len()..];
            }
            None => break,
        }
    }
    out.push(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_split_at_the_separator_and_keep_the_rest_whole() {
        let d = b"a\n\x00\nb\n\x00\nc\n\x00\nd";
        assert_eq!(parts(d, 1), [&d[..]]);
        assert_eq!(parts(d, 2), [&b"a"[..], &b"b\n\x00\nc\n\x00\nd"[..]]);
        assert_eq!(parts(d, 9), [&b"a"[..], b"b", b"c", b"d"]);
        assert_eq!(parts(b"", 3), [&b""[..]]);
    }

    #[test]
    fn every_target_is_named_once() {
        let mut names: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TARGETS.len());
    }
}
