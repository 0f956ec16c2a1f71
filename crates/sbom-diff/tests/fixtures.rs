//! Two hand-built images that differ in known ways, and two releases built from them.
use sbom_diff::{
    diff, diff_releases, render_release, render_sbom, should_fail, ChangeKind, DiffOptions, Format,
    Release, RenderOptions,
};
use sbom_model::{Ecosystem, LayerRef, License, Package, Sbom};

fn layer(index: u32, id: &str) -> LayerRef {
    LayerRef {
        index,
        diff_id: format!("sha256:{id}"),
        digest: None,
    }
}

fn deb(name: &str, version: &str) -> Package {
    let mut p = Package::new(Ecosystem::Deb, name, version);
    p.arch = Some("amd64".into());
    p.layer = Some(layer(0, "base0000000000000000"));
    p
}

fn py(name: &str, version: &str, root: &str) -> Package {
    let mut p = Package::new(Ecosystem::Pypi, name, version);
    p.site_root = Some(root.into());
    p.layer = Some(layer(2, "venv0000000000000000"));
    p
}

fn image(repo: &str, tag: &str, packages: Vec<Package>) -> Sbom {
    let mut s = Sbom {
        packages,
        ..Sbom::default()
    };
    s.subject.name = repo.into();
    s.subject.repository = Some(repo.into());
    s.subject.tag = Some(tag.into());
    s.subject.reference = format!("{repo}:{tag}");
    s.finalize();
    s
}

const VENV1: &str = "var/lib/kolla/venv/lib/python3.11/site-packages";
const VENV2: &str = "opt/venv2/lib/python3.11/site-packages";

fn keystone_old() -> Sbom {
    let mut pbr = py("pbr", "6.0.0", VENV1);
    pbr.licenses = vec![License::Spdx("Apache-2.0".into())];
    image(
        "quay.io/osism/keystone",
        "2024.1",
        vec![
            deb("openssl", "3.0.11-1~deb12u2"),
            deb("libfoo", "1:1.0-1"),
            deb("curl", "7.88.1-10+deb12u5"),
            deb("bash", "5.2.15-2+b2"),
            deb("linux-headers", "6.1.0-17"),
            deb("linux-headers", "6.1.0-18"),
            pbr,
            py("requests", "2.31.0", VENV1),
            py("keystone", "25.0.0", VENV1),
        ],
    )
}

fn keystone_new() -> Sbom {
    let mut pbr = py("pbr", "6.0.0", VENV1);
    pbr.licenses = vec![License::Spdx("Apache-2.0 OR MIT".into())];
    let mut bash = deb("bash", "5.2.15-2+b2");
    bash.layer = Some(layer(1, "apt11111111111111111"));
    image(
        "quay.io/osism/keystone",
        "2024.2",
        vec![
            deb("openssl", "3.0.15-1~deb12u1"),
            deb("libfoo", "2.0-1"),
            deb("jq", "1.6-2.1"),
            bash,
            deb("linux-headers", "6.1.0-18"),
            deb("linux-headers", "6.1.0-20"),
            pbr,
            py("requests", "2.31.0", VENV2),
            py("Keystone", "25.0.0", VENV1),
        ],
    )
}

type Row = (
    ChangeKind,
    Ecosystem,
    String,
    Option<String>,
    Option<String>,
);

fn rows(d: &sbom_diff::SbomDiff) -> Vec<Row> {
    d.changes
        .iter()
        .map(|c| {
            (
                c.kind,
                c.ecosystem,
                c.name.clone(),
                c.old_version.clone(),
                c.new_version.clone(),
            )
        })
        .collect()
}

fn row(k: ChangeKind, e: Ecosystem, n: &str, o: Option<&str>, v: Option<&str>) -> Row {
    (k, e, n.into(), o.map(Into::into), v.map(Into::into))
}

#[test]
fn known_differences_give_exactly_those_changes() {
    use ChangeKind::*;
    use Ecosystem::*;
    let d = diff(&keystone_old(), &keystone_new(), &DiffOptions::default());
    assert_eq!(
        rows(&d),
        vec![
            row(Removed, Deb, "curl", Some("7.88.1-10+deb12u5"), None),
            row(Added, Deb, "jq", None, Some("1.6-2.1")),
            // Epoch 1 beats any version without epoch: 1:1.0 -> 2.0 goes down.
            row(Downgraded, Deb, "libfoo", Some("1:1.0-1"), Some("2.0-1")),
            // Two versions of one name: 6.1.0-18 stays, 6.1.0-17 -> 6.1.0-20.
            row(
                Upgraded,
                Deb,
                "linux-headers",
                Some("6.1.0-17"),
                Some("6.1.0-20")
            ),
            row(
                Upgraded,
                Deb,
                "openssl",
                Some("3.0.11-1~deb12u2"),
                Some("3.0.15-1~deb12u1")
            ),
            row(LicenseChanged, Pypi, "pbr", Some("6.0.0"), Some("6.0.0")),
            // Moved between venvs: not the same package (sorted by site root).
            row(Added, Pypi, "requests", None, Some("2.31.0")),
            row(Removed, Pypi, "requests", Some("2.31.0"), None),
        ]
    );
    assert_eq!(
        d.summary.to_string(),
        "2 added, 2 removed, 2 upgraded, 1 downgraded, 1 license change"
    );
    // bash (layer move ignored), linux-headers 6.1.0-18, keystone (name case differs).
    assert_eq!(d.unchanged, 3);
}

#[test]
fn layers_option_adds_exactly_the_layer_move() {
    let d = diff(
        &keystone_old(),
        &keystone_new(),
        &DiffOptions { layers: true },
    );
    let moved: Vec<&str> = d
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::MovedLayer)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(moved, vec!["bash"]);
    assert_eq!(d.changes.len(), 9);
    assert!(d.summary.to_string().ends_with(", 1 layer move"));
}

#[test]
fn diff_of_an_sbom_with_itself_is_empty() {
    for s in [keystone_old(), keystone_new()] {
        let d = diff(&s, &s, &DiffOptions { layers: true });
        assert!(d.is_empty());
        assert_eq!(d.unchanged, s.packages.len());
        assert!(!should_fail(&d, &ChangeKind::ALL));
    }
}

#[test]
fn fail_on_gates() {
    let d = diff(&keystone_old(), &keystone_new(), &DiffOptions::default());
    assert!(should_fail(&d, &[ChangeKind::Downgraded]));
    assert!(should_fail(&d, &[ChangeKind::LicenseChanged]));
    assert!(!should_fail(&d, &[ChangeKind::MovedLayer]));
    assert!(!should_fail(&d, &[]));
    let only_upgrade = diff(
        &image("r", "1", vec![deb("a", "1.0")]),
        &image("r", "2", vec![deb("a", "1.1")]),
        &DiffOptions::default(),
    );
    assert!(!should_fail(
        &only_upgrade,
        &[
            ChangeKind::Added,
            ChangeKind::Removed,
            ChangeKind::Downgraded,
            ChangeKind::LicenseChanged
        ]
    ));
    assert!(should_fail(&only_upgrade, &[ChangeKind::Upgraded]));
}

fn releases() -> (Release, Release) {
    let nova = |tag: &str, ssl: &str| {
        image(
            "quay.io/osism/nova-api",
            tag,
            vec![deb("openssl", ssl), py("nova", "30.0.0", VENV1)],
        )
    };
    let r3 = Release::from_sboms(
        "R3",
        [
            keystone_old(),
            nova("2024.1", "3.0.11-1~deb12u2"),
            image(
                "quay.io/osism/horizon",
                "2024.1",
                vec![deb("bash", "5.2.15-2+b2")],
            ),
            image(
                "quay.io/osism/cron",
                "2024.1",
                vec![deb("cron", "3.0pl1-162")],
            ),
        ],
    )
    .expect("unique images");
    let r4 = Release::from_sboms(
        "R4",
        [
            keystone_new(),
            nova("2024.2", "3.0.15-1~deb12u1"),
            image(
                "quay.io/osism/skyline",
                "2024.2",
                vec![deb("bash", "5.2.15-2+b2")],
            ),
            image(
                "quay.io/osism/cron",
                "2024.2",
                vec![deb("cron", "3.0pl1-162")],
            ),
        ],
    )
    .expect("unique images");
    (r3, r4)
}

#[test]
fn release_diff_with_added_and_removed_image() {
    let (r3, r4) = releases();
    let d = diff_releases(&r3, &r4);
    let keys = |v: &[sbom_diff::ImageInfo]| v.iter().map(|i| i.key.clone()).collect::<Vec<_>>();
    assert_eq!(keys(&d.images_added), vec!["quay.io/osism/skyline"]);
    assert_eq!(keys(&d.images_removed), vec!["quay.io/osism/horizon"]);
    assert_eq!(
        d.images.iter().map(|i| i.key.as_str()).collect::<Vec<_>>(),
        vec![
            "quay.io/osism/cron",
            "quay.io/osism/keystone",
            "quay.io/osism/nova-api"
        ]
    );
    let openssl = d
        .rollup
        .iter()
        .find(|r| r.name == "openssl")
        .expect("openssl in roll-up");
    assert_eq!(openssl.count, 2);
    assert_eq!(d.rollup[0].name, "openssl", "most widespread first");
    assert_eq!(d.rollup.len(), 8);
    assert_eq!(d.summary.images_changed, Some(2));
    assert!(diff_releases(&r3, &r3).is_empty());
}

fn plain() -> RenderOptions {
    RenderOptions { color: false }
}

#[test]
fn snapshot_sbom_text() {
    let d = diff(&keystone_old(), &keystone_new(), &DiffOptions::default());
    insta::assert_snapshot!(render_sbom(&d, Format::Text, plain()).expect("renders"));
}

#[test]
fn snapshot_sbom_markdown() {
    let d = diff(
        &keystone_old(),
        &keystone_new(),
        &DiffOptions { layers: true },
    );
    insta::assert_snapshot!(render_sbom(&d, Format::Markdown, plain()).expect("renders"));
}

#[test]
fn snapshot_sbom_json() {
    let d = diff(
        &keystone_old(),
        &keystone_new(),
        &DiffOptions { layers: true },
    );
    let json = render_sbom(&d, Format::Json, plain()).expect("renders");
    // The JSON reads back into the same structure (the documented schema is the serde form).
    let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(v["schema"], "sbom-diff/1");
    assert_eq!(v["kind"], "sbom");
    let back: sbom_diff::SbomDiff = serde_json::from_value(v).expect("round-trips");
    assert_eq!(back, d);
    insta::assert_snapshot!(json);
}

#[test]
fn snapshot_release_text() {
    let (r3, r4) = releases();
    let d = diff_releases(&r3, &r4);
    insta::assert_snapshot!(render_release(&d, Format::Text, plain()).expect("renders"));
}

#[test]
fn snapshot_release_markdown() {
    let (r3, r4) = releases();
    let d = diff_releases(&r3, &r4);
    insta::assert_snapshot!(render_release(&d, Format::Markdown, plain()).expect("renders"));
}

#[test]
fn snapshot_release_json() {
    let (r3, r4) = releases();
    let d = diff_releases(&r3, &r4);
    let json = render_release(&d, Format::Json, plain()).expect("renders");
    let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(v["kind"], "release");
    let back: sbom_diff::ReleaseDiff = serde_json::from_value(v).expect("round-trips");
    assert_eq!(back, d);
    insta::assert_snapshot!(json);
}

#[test]
fn colour_only_when_asked() {
    let d = diff(&keystone_old(), &keystone_new(), &DiffOptions::default());
    let plain_text = render_sbom(&d, Format::Text, plain()).expect("renders");
    let coloured = render_sbom(&d, Format::Text, RenderOptions { color: true }).expect("renders");
    assert!(!plain_text.contains('\x1b'));
    assert!(coloured.contains("\x1b[33mdowngraded\x1b[0m"));
    // Markdown and JSON never carry escapes.
    for f in [Format::Markdown, Format::Json] {
        let s = render_sbom(&d, f, RenderOptions { color: true }).expect("renders");
        assert!(!s.contains('\x1b'), "{f}");
    }
}

#[test]
fn hostile_names_cannot_inject_terminal_escapes_or_markdown() {
    let evil = "x\x1b[2J|<script>`";
    let d = diff(
        &image("r", "1", vec![]),
        &image("r", "2", vec![deb(evil, "1.0")]),
        &DiffOptions::default(),
    );
    let t = render_sbom(&d, Format::Text, plain()).expect("renders");
    assert!(!t.contains('\x1b'));
    let m = render_sbom(&d, Format::Markdown, plain()).expect("renders");
    assert!(m.contains("`` x [2J\\|<script>` ``"), "{m}");
}
