//! Compiles and tests the `sbom ansible` CLI module (crates/sbom-cli/src/cmd/ansible.rs)
//! until the CLI wires it.
#[path = "../../sbom-cli/src/cmd/ansible.rs"]
mod ansible_cmd;

use std::path::{Path, PathBuf};

use ansible_cmd::{images, run_with_report, summary, AnsibleArgs};

fn run(a: &AnsibleArgs) -> anyhow::Result<sbom_model::Sbom> {
    run_with_report(a).map(|(s, _)| s)
}
use sbom_model::{Ecosystem, SubjectKind};

fn fixture(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/ansible")
        .join(p)
}

fn args(path: PathBuf, extra: &[&str]) -> AnsibleArgs {
    AnsibleArgs {
        path,
        extra_vars: extra.iter().map(|s| s.to_string()).collect(),
        verbose: true,
        list_images: false,
    }
}

#[test]
fn standalone_sbom_is_declared_and_canonical() {
    let sbom = run(&args(fixture("collection/roles/cgit"), &[])).expect("runs");
    assert_eq!(sbom.subject.kind, SubjectKind::Declared);
    assert_eq!(sbom.subject.name, "cgit");
    assert!(!sbom.packages.is_empty());
    assert!(sbom
        .packages
        .iter()
        .all(|p| p.is_declared() && !p.id.is_empty() && p.purl.is_some()));
    let cgit = sbom
        .packages
        .iter()
        .find(|p| p.ecosystem == Ecosystem::Oci && p.name == "quay.io/osism/cgit")
        .expect("compose image");
    assert_eq!(
        cgit.purl.as_deref(),
        Some("pkg:oci/cgit?repository_url=quay.io%2Fosism%2Fcgit&tag=1.2.3")
    );
    // finalize added one `contains` edge per package.
    assert_eq!(sbom.relationships.len(), sbom.packages.len());
}

#[test]
fn extra_vars_reach_the_reader_and_bad_ones_fail_with_context() {
    let base = fixture("release/base.yml");
    let list = images(&args(
        fixture("collection"),
        &[&format!("@{}", base.display())],
    ))
    .expect("images");
    assert!(
        list.contains(&"quay.io/osism/cgit:1.4.0".to_string()),
        "{list:?}"
    );
    let err = run(&args(fixture("collection"), &["not-a-file-nor-pair"])).expect_err("bad -e");
    assert!(
        format!("{err:#}").contains("--extra-vars not-a-file-nor-pair"),
        "{err:#}"
    );
}

#[test]
fn summary_lists_sources_unresolved_and_ignored_when_verbose() {
    let (_, report) = run_with_report(&args(fixture("collection"), &[])).expect("runs");
    let loud = summary(&report, true);
    assert!(loud[0].contains("packages"));
    assert!(loud
        .iter()
        .any(|l| l.starts_with("source: deb [signed-by=/etc/apt/keyrings/grafana.asc]")));
    assert!(loud
        .iter()
        .any(|l| l.starts_with("unresolved: {{ keystone_version }}")));
    assert!(loud
        .iter()
        .any(|l| l.starts_with("ignored module: community.general.ini_file")));
    let quiet = summary(&report, false);
    assert!(!quiet.iter().any(|l| l.starts_with("unresolved:")));
}

#[test]
fn yaml_errors_keep_file_and_line_through_the_cli() {
    let err = run(&args(fixture("broken"), &[])).expect_err("broken role");
    let text = format!("{err:#}");
    assert!(text.contains("broken/tasks/main.yml:9:"), "{text}");
}

#[test]
fn duplicate_purls_get_distinct_ids() {
    // redis is declared by a docker_image task and by a compose line: same purl.
    let sbom = run(&args(fixture("collection"), &[])).expect("runs");
    let ids: std::collections::BTreeSet<&str> =
        sbom.packages.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids.len(), sbom.packages.len());
    let redis: Vec<_> = sbom
        .packages
        .iter()
        .filter(|p| p.name == "quay.io/osism/redis")
        .collect();
    assert_eq!(redis.len(), 2);
    assert!(redis.iter().all(|p| p.metadata_path.is_some()));
}

#[derive(clap::Parser, Debug)]
struct Wrapper {
    #[command(flatten)]
    args: AnsibleArgs,
}

#[test]
fn arguments_parse_as_documented() {
    use clap::{CommandFactory, Parser};
    Wrapper::command().debug_assert();
    let w = Wrapper::try_parse_from([
        "sbom-ansible",
        "roles/cgit",
        "-e",
        "@base.yml",
        "--extra-vars",
        "cgit_tag=2.0",
        "--verbose",
        "--list-images",
    ])
    .expect("parses");
    assert_eq!(w.args.path, PathBuf::from("roles/cgit"));
    assert_eq!(w.args.extra_vars, vec!["@base.yml", "cgit_tag=2.0"]);
    assert!(w.args.verbose && w.args.list_images);
}
