//! Reads the fixture roles under testdata/ansible (written for these tests in the shapes
//! of OSISM's collections) and checks what they install.
use std::path::{Path, PathBuf};

use sbom_ansible::{read_ansible, AnsibleError, AnsibleOptions, AnsibleReport, ExtraVars};
use sbom_model::{Ecosystem, HashAlgorithm, Origin, Package};

fn fixture(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/ansible")
        .join(p)
}

fn read(p: &str, extra: &[&str], verbose: bool) -> AnsibleReport {
    let mut opts = AnsibleOptions {
        verbose,
        ..AnsibleOptions::default()
    };
    for e in extra {
        opts.extra_vars
            .extend(ExtraVars::parse(e).expect("extra vars parse"));
    }
    read_ansible(&fixture(p), &opts).expect("fixture reads")
}

fn find<'a>(r: &'a AnsibleReport, eco: Ecosystem, name: &str) -> Vec<&'a Package> {
    r.packages
        .iter()
        .filter(|p| p.ecosystem == eco && p.name == name)
        .collect()
}

fn one<'a>(r: &'a AnsibleReport, eco: Ecosystem, name: &str) -> &'a Package {
    let v = find(r, eco, name);
    assert_eq!(v.len(), 1, "{eco} {name}: {v:#?}");
    v[0]
}

fn origin(p: &Package) -> (&str, Option<u32>, Option<&str>) {
    match &p.origin {
        Origin::Declared { file, line, scope } => (file.as_str(), *line, scope.as_deref()),
        Origin::Observed => panic!("{} must be declared", p.name),
    }
}

fn prop<'a>(p: &'a Package, k: &str) -> Option<&'a str> {
    p.properties.get(k).map(String::as_str)
}

#[test]
fn apt_lists_pins_loops_and_skips() {
    let r = read("collection", &[], false);
    // `name: "{{ packages_default + packages_extra }}"` with a pin inside the list.
    assert_eq!(one(&r, Ecosystem::Deb, "chrony").version, "4.3-*");
    assert_eq!(one(&r, Ecosystem::Deb, "curl").version, "");
    let jq = one(&r, Ecosystem::Deb, "jq");
    assert_eq!(
        origin(jq),
        (
            "collection/roles/packages/tasks/main.yml",
            Some(2),
            Some("packages")
        )
    );
    assert_eq!(prop(jq, sbom_ansible::PROP_MODULE), Some("apt"));
    // loop over a list of dicts from defaults, `{{ item.name }}={{ item.version }}`.
    for n in ["docker-ce", "docker-ce-cli"] {
        let p = one(&r, Ecosystem::Deb, n);
        assert_eq!(p.version, "5:24.0.9");
        assert_eq!(origin(p).1, Some(8));
    }
    // with_items flattens one level; free-form `apt: name={{ item }}`.
    for n in ["vim", "tmux", "htop"] {
        assert_eq!(origin(one(&r, Ecosystem::Deb, n)).1, Some(16));
    }
    // state: absent and download_only are not installed software.
    for n in ["telnet", "rsh-client", "linux-image-amd64"] {
        assert!(
            find(&r, Ecosystem::Deb, n).is_empty(),
            "{n} must be skipped"
        );
    }
    // dnf: rpm packages, the `when:` kept (not evaluated).
    let podman = one(&r, Ecosystem::Rpm, "podman");
    assert_eq!(
        prop(podman, sbom_ansible::PROP_WHEN),
        Some("ansible_os_family == \"RedHat\"")
    );
}

#[test]
fn pip_names_versions_and_requirements() {
    let r = read("collection", &[], false);
    let osism = one(&r, Ecosystem::Pypi, "osism");
    assert_eq!(osism.version, "0.20240101.0");
    assert_eq!(
        prop(osism, sbom_ansible::PROP_VIRTUALENV),
        Some("/opt/venv")
    );
    assert_eq!(one(&r, Ecosystem::Pypi, "ansible-core").version, "2.16.5");
    let docker = one(&r, Ecosystem::Pypi, "docker");
    assert_eq!(docker.version, "");
    assert_eq!(
        prop(docker, sbom_ansible::PROP_VERSION_CONSTRAINT),
        Some(">=7.0")
    );
    // requirements: read from the role's files/, each line its own origin.
    let osc = one(&r, Ecosystem::Pypi, "python-openstackclient");
    assert_eq!(osc.version, "7.0.0");
    assert_eq!(
        origin(osc),
        (
            "collection/roles/packages/files/requirements.txt",
            Some(2),
            Some("packages")
        )
    );
    assert_eq!(one(&r, Ecosystem::Pypi, "openstacksdk").version, "3.1.0");
    // A requirements file that is not there is reported, not guessed.
    assert!(r
        .unresolved
        .iter()
        .any(|u| u.expression == "/opt/src/requirements.txt"
            && u.what.contains("requirements")
            && u.line == Some(57)));
}

#[test]
fn downloads_with_versions_from_variables_and_checksums() {
    let r = read("collection", &[], false);
    let ne = one(&r, Ecosystem::Archive, "node_exporter");
    assert_eq!(ne.version, "1.7.0");
    assert_eq!(
        ne.download_url.as_deref(),
        Some("https://github.com/prometheus/node_exporter/releases/download/v1.7.0/node_exporter-1.7.0.linux-amd64.tar.gz")
    );
    assert_eq!(
        origin(ne),
        (
            "collection/roles/node_exporter/tasks/install.yml",
            Some(2),
            Some("node_exporter")
        )
    );
    // include_tasks carries its `when:` to the included tasks.
    assert_eq!(
        prop(ne, sbom_ansible::PROP_WHEN),
        Some("node_exporter_enable | bool")
    );
    let promtool = one(&r, Ecosystem::Binary, "promtool");
    assert_eq!(promtool.version, "2.53.0");
    // vars/main.yml beats defaults/main.yml.
    assert_eq!(promtool.checksums.len(), 1);
    assert_eq!(promtool.checksums[0].algorithm, HashAlgorithm::Sha256);
    assert!(promtool.checksums[0].value.starts_with("a1b2c3d4"));
    // The apt signing key fetched with get_url is not software.
    assert!(!r
        .packages
        .iter()
        .any(|p| p.download_url.as_deref().is_some_and(|u| u.contains("gpg"))));
}

#[test]
fn apt_repositories_are_sources_not_packages() {
    let r = read("collection", &[], false);
    assert_eq!(r.sources.len(), 1, "{:#?}", r.sources);
    let s = &r.sources[0];
    assert_eq!(
        s.repo,
        "deb [signed-by=/etc/apt/keyrings/grafana.asc] https://apt.grafana.com stable main"
    );
    assert_eq!(s.line, Some(8));
    assert_eq!(s.scope.as_deref(), Some("node_exporter"));
}

#[test]
fn container_images_from_modules_and_compose_templates() {
    let r = read("collection", &[], false);
    assert_eq!(
        r.images,
        vec![
            "docker.io/library/busybox:1.36@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".to_string(),
            "quay.io/osism/cgit-indexer:1.2.3".to_string(),
            "quay.io/osism/cgit-mirror:0.9.1".to_string(),
            "quay.io/osism/cgit:1.2.3".to_string(),
            "quay.io/osism/redis:7.2.4-alpine".to_string(),
        ]
    );
    // `{% for worker in cgit_workers %}` around an image line: one image per item.
    let indexer = one(&r, Ecosystem::Oci, "quay.io/osism/cgit-indexer");
    assert_eq!(
        origin(indexer),
        (
            "collection/roles/cgit/templates/docker-compose.yml.j2",
            Some(15),
            Some("cgit")
        )
    );
    assert_eq!(
        one(&r, Ecosystem::Oci, "quay.io/osism/cgit-mirror").version,
        "0.9.1"
    );
    let cgit = one(&r, Ecosystem::Oci, "quay.io/osism/cgit");
    assert_eq!(cgit.version, "1.2.3");
    assert_eq!(
        origin(cgit),
        (
            "collection/roles/cgit/templates/docker-compose.yml.j2",
            Some(6),
            Some("cgit")
        )
    );
    // The block's `when:` reaches the template task inside it.
    assert_eq!(
        prop(cgit, sbom_ansible::PROP_WHEN),
        Some("cgit_enable | default(true) | bool")
    );
    let redis = find(&r, Ecosystem::Oci, "quay.io/osism/redis");
    assert_eq!(redis.len(), 2, "docker_image task and compose line");
    assert!(redis.iter().all(|p| p.version == "7.2.4-alpine"));
    let busybox = one(&r, Ecosystem::Oci, "docker.io/library/busybox");
    assert!(busybox.version.starts_with("sha256:"));
    // state: absent container is not deployed software.
    assert!(find(&r, Ecosystem::Oci, "quay.io/osism/legacy").is_empty());
}

#[test]
fn unresolved_expressions_are_reported_never_guessed() {
    let r = read("collection", &[], false);
    let ks = one(&r, Ecosystem::Binary, "keystone");
    assert_eq!(ks.version, "");
    assert_eq!(
        prop(ks, sbom_ansible::PROP_UNRESOLVED),
        Some(r#"["{{ keystone_version }}"]"#)
    );
    let sidecar = one(&r, Ecosystem::Oci, "quay.io/osism/sidecar");
    assert_eq!(sidecar.version, "");
    assert!(!r.images.iter().any(|i| i.contains("sidecar")));
    assert!(r
        .unresolved
        .iter()
        .any(|u| u.expression == "{{ cgit_sidecar_tag }}" && u.line == Some(21)));
}

#[test]
fn include_role_with_tasks_from_and_vars() {
    let r = read("collection", &[], false);
    let wsgi = one(&r, Ecosystem::Generic, "libapache2-mod-wsgi-py3");
    assert_eq!(wsgi.version, "4.9.4-1");
    assert_eq!(
        origin(wsgi),
        (
            "collection/roles/packages/tasks/extra.yml",
            Some(2),
            Some("packages")
        )
    );
    assert_eq!(prop(wsgi, sbom_ansible::PROP_MODULE), Some("package"));
    one(&r, Ecosystem::Generic, "apache2");
}

#[test]
fn unknown_modules_listed_only_when_verbose() {
    let quiet = read("collection", &[], false);
    assert!(quiet.ignored_modules.is_empty());
    let loud = read("collection", &[], true);
    assert!(loud
        .ignored_modules
        .iter()
        .any(|m| m.module == "community.general.ini_file" && m.line == Some(16)));
    assert_eq!(quiet.packages, loud.packages);
}

#[test]
fn extra_vars_files_and_pairs_win_in_order() {
    let base = fixture("release/base.yml");
    let file_arg = format!("@{}", base.display());
    let r = read("collection", &[&file_arg], false);
    assert_eq!(
        one(&r, Ecosystem::Archive, "node_exporter").version,
        "1.8.2"
    );
    assert_eq!(
        one(&r, Ecosystem::Oci, "quay.io/osism/cgit").version,
        "1.4.0"
    );
    let ks = one(&r, Ecosystem::Binary, "keystone");
    assert_eq!(ks.version, "25.0.0");
    assert!(!ks.properties.contains_key(sbom_ansible::PROP_UNRESOLVED));
    // A later -e k=v beats the file; extra vars beat the role's vars/ too.
    let r = read(
        "collection",
        &[
            &file_arg,
            "cgit_tag=2.0.0",
            "node_exporter_checksum=sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        ],
        false,
    );
    assert_eq!(
        one(&r, Ecosystem::Oci, "quay.io/osism/cgit").version,
        "2.0.0"
    );
    assert!(one(&r, Ecosystem::Binary, "promtool").checksums[0]
        .value
        .starts_with("ffff"));
}

#[test]
fn playbook_folder_with_group_vars_roles_and_imports() {
    let r = read("playbook", &[], false);
    // group_vars/all.yml beats the role's defaults.
    let chrony = one(&r, Ecosystem::Deb, "chrony");
    assert_eq!(chrony.version, "4.3-2+deb12u1");
    assert_eq!(origin(chrony).2, Some("chrony"));
    assert_eq!(prop(chrony, sbom_ansible::PROP_HOSTS), Some("manager"));
    assert_eq!(
        prop(chrony, sbom_ansible::PROP_WHEN),
        Some("chrony_enable | default(true)")
    );
    // play vars and pre_tasks.
    let git = one(&r, Ecosystem::Deb, "git");
    assert_eq!(origin(git), ("playbook/site.yml", Some(9), Some("manager")));
    // facts are unresolved.
    let headers = r
        .packages
        .iter()
        .find(|p| p.name.starts_with("linux-headers-"))
        .expect("headers");
    assert_eq!(
        prop(headers, sbom_ansible::PROP_UNRESOLVED),
        Some(r#"["{{ ansible_kernel }}"]"#)
    );
    // import_playbook
    assert_eq!(
        r.images,
        vec!["quay.io/prometheus/node-exporter:v1.8.2".to_string()]
    );
}

#[test]
fn yaml_syntax_error_names_file_and_line() {
    let e = read_ansible(&fixture("broken"), &AnsibleOptions::default()).expect_err("broken");
    match &e {
        AnsibleError::Yaml { file, line, .. } => {
            assert!(file.ends_with("broken/tasks/main.yml"));
            assert_eq!(*line, 9);
        }
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn not_ansible_is_an_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let e = read_ansible(dir.path(), &AnsibleOptions::default()).expect_err("empty dir");
    assert!(matches!(e, AnsibleError::NotAnsible { .. }), "{e}");
}

#[test]
fn output_is_deterministic() {
    let a = read("collection", &[], true);
    let b = read("collection", &[], true);
    assert_eq!(a, b);
}

#[test]
fn odd_shapes_never_panic() {
    let dir = tempfile::tempdir().expect("tmp");
    let role = dir.path().join("odd");
    std::fs::create_dir_all(role.join("tasks")).expect("mkdir");
    std::fs::create_dir_all(role.join("defaults")).expect("mkdir");
    std::fs::write(role.join("defaults/main.yml"), "- not a mapping\n").expect("write");
    std::fs::write(
        role.join("tasks/main.yml"),
        r#"
- just a string
- 42
- name: only a name
- name: args as list
  apt: [a, b]
- name: loop over a number
  apt:
    name: "{{ item }}"
  loop: 3
- name: self include
  include_tasks: main.yml
- name: missing include
  include_tasks: "{{ nowhere }}.yml"
- name: bad template
  get_url:
    url: "https://x.org/{{ a | nofilter( }}/t.tgz"
- name: unclosed
  docker_container:
    image: "{{ broken"
- name: deep self reference
  vars:
    a: "{{ b }}"
    b: "{{ a }}"
  pip:
    name: "{{ a }}"
- block:
  - block:
    - name: nested
      apt:
        name: nested-pkg
"#,
    )
    .expect("write");
    let r = read_ansible(&role, &AnsibleOptions::default()).expect("odd role reads");
    assert_eq!(find(&r, Ecosystem::Deb, "nested-pkg").len(), 1);
    assert!(r.unresolved.iter().any(|u| u.expression == "{{ nowhere }}"));
}

#[test]
fn include_chosen_by_a_fact_reads_every_candidate() {
    let r = read("collection", &[], false);
    let deb = one(&r, Ecosystem::Deb, "ntpsec");
    assert_eq!(
        origin(deb).0,
        "collection/roles/chrony_os/tasks/install-Debian-family.yml"
    );
    assert_eq!(
        prop(deb, sbom_ansible::PROP_WHEN),
        Some("install-{{ ansible_os_family }}-family.yml == install-Debian-family.yml")
    );
    // The fact bound by the chosen file also selects the variables file read before.
    one(&r, Ecosystem::Deb, "ntpsec-ntpdate");
    one(&r, Ecosystem::Rpm, "ntpsec-rh");
    assert!(find(&r, Ecosystem::Rpm, "ntpsec").is_empty());
    assert!(r
        .unresolved
        .iter()
        .any(|u| u.expression == "{{ ansible_os_family }}"
            && u.scope.as_deref() == Some("chrony_os")));
    // With the fact given as an extra var, only the chosen file is read.
    let r = read("collection", &["ansible_os_family=Debian"], false);
    assert!(find(&r, Ecosystem::Rpm, "ntpsec-rh").is_empty());
    assert_eq!(find(&r, Ecosystem::Deb, "ntpsec").len(), 1);
    assert_eq!(find(&r, Ecosystem::Deb, "ntpsec-ntpdate").len(), 1);
}

#[test]
fn default_omit_means_not_given() {
    let dir = tempfile::tempdir().expect("tmp");
    let role = dir.path().join("omit");
    std::fs::create_dir_all(role.join("tasks")).expect("mkdir");
    std::fs::write(
        role.join("tasks/main.yml"),
        "- name: pull\n  community.docker.docker_image:\n    name: quay.io/osism/x\n    tag: \"{{ x_tag | default(omit) }}\"\n- name: pip\n  pip:\n    name: foo\n    version: \"{{ foo_version | default(omit) }}\"\n",
    )
    .expect("write");
    let r = read_ansible(&role, &AnsibleOptions::default()).expect("reads");
    assert_eq!(one(&r, Ecosystem::Oci, "quay.io/osism/x").version, "latest");
    assert_eq!(r.images, vec!["quay.io/osism/x".to_string()]);
    assert_eq!(one(&r, Ecosystem::Pypi, "foo").version, "");
    assert!(r.unresolved.is_empty(), "{:?}", r.unresolved);
}

#[test]
fn rpm_purl_vendor_comes_from_the_distribution_fact_only() {
    let r = read("collection", &[], false);
    // Without the vendor, `pkg:rpm/podman` would be invalid (validate-sbom rejects it).
    assert_eq!(
        one(&r, Ecosystem::Rpm, "podman").purl.as_deref(),
        Some("pkg:generic/podman")
    );
    let r = read("collection", &["ansible_distribution=Rocky"], false);
    assert_eq!(
        one(&r, Ecosystem::Rpm, "podman").purl.as_deref(),
        Some("pkg:rpm/rocky/podman")
    );
}

#[test]
fn relative_input_paths_give_clean_origins() {
    let role = fixture("collection/roles/packages");
    let parent = role.parent().expect("parent");
    // A path with `.` in it, as `sbom ansible ./packages` would give.
    let r = read_ansible(
        &parent.join(".").join("packages"),
        &AnsibleOptions::default(),
    )
    .expect("reads");
    let jq = one(&r, Ecosystem::Deb, "jq");
    assert_eq!(origin(jq).0, "packages/tasks/main.yml");
}

#[test]
fn package_module_ecosystem_from_facts_only() {
    let r = read("collection", &[], false);
    assert_eq!(
        one(&r, Ecosystem::Generic, "apache2").ecosystem,
        Ecosystem::Generic
    );
    let r = read("collection", &["ansible_os_family=Debian"], false);
    assert_eq!(one(&r, Ecosystem::Deb, "apache2").version, "");
    assert!(find(&r, Ecosystem::Generic, "apache2").is_empty());
}
