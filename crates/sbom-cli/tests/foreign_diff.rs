//! `sbom diff` of our SBOM against syft's and trivy's SBOMs of the same fixture image
//! (their real output, committed in crates/sbom-format/tests/data with the commands that
//! made it): only the known differences between the tools' catalogers remain.
use std::path::PathBuf;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../sbom-format/tests/data")
        .join(name)
}

fn diff_json(old: &str, new: &str) -> serde_json::Value {
    let out = assert_cmd::Command::cargo_bin("sbom")
        .unwrap()
        .args(["diff", "--format", "json"])
        .arg(data(old))
        .arg(data(new))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn ours_against_syft_differs_in_nothing() {
    for syft in ["syft.cdx.json", "syft.spdx.json", "syft.cdx-1.4.json"] {
        let d = diff_json("sbom.cdx.json", syft);
        assert_eq!(
            d["changes"].as_array().map(Vec::len),
            Some(0),
            "{syft}: {d:#}"
        );
        assert_eq!(d["unchanged"], 6, "{syft}: {d:#}");
    }
}

#[test]
fn ours_against_trivy_differs_only_in_the_deb_owned_python_package() {
    // trivy leaves out Python packages whose files a deb owns (PyYAML of python3-yaml);
    // we keep them and link them to the deb.
    for trivy in ["trivy.cdx.json", "trivy.spdx.json"] {
        let d = diff_json("sbom.cdx.json", trivy);
        let changes = d["changes"].as_array().unwrap();
        assert_eq!(changes.len(), 1, "{trivy}: {d:#}");
        assert_eq!(changes[0]["kind"], "removed");
        assert_eq!(changes[0]["name"], "PyYAML");
        assert_eq!(changes[0]["site_root"], "usr/lib/python3/dist-packages");
    }
}

#[test]
fn regression_missing_sbom_file_is_not_looked_up_in_a_registry() {
    let out = assert_cmd::Command::cargo_bin("sbom")
        .unwrap()
        .args(["diff", "/nonexistent/old.cdx.json"])
        .arg(data("syft.cdx.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no such SBOM file"), "{err}");
}
