//! Inputs that are files on disk for the command: Ansible playbooks and roles (YAML
//! with Jinja), and release manifests.
use std::path::Path;

use crate::parts;

// The release manifest reader of the `sbom` command, compiled here as it is (the CLI is a
// binary crate; nothing else of it is needed).
#[allow(dead_code)]
#[path = "../../sbom-cli/src/batch/list.rs"]
mod list;

/// Writes the parts of `data` to `names` under a new temporary folder.
fn write_parts(names: &[&str], data: &[u8]) -> Option<tempfile::TempDir> {
    let dir = tempfile::tempdir().ok()?;
    for (name, part) in names.iter().zip(parts(data, names.len())) {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent()?).ok()?;
        std::fs::write(&path, part).ok()?;
    }
    Some(dir)
}

/// An Ansible playbook as `sbom ansible` reads it: parts are the playbook, the
/// folder's `group_vars/all.yml`, a role's tasks and defaults (`roles/r`), and a tasks
/// file it may include (`tasks.yml`); extra vars as `-e` gives them.
pub fn ansible(data: &[u8]) {
    const NAMES: [&str; 5] = [
        "site.yml",
        "group_vars/all.yml",
        "roles/r/tasks/main.yml",
        "roles/r/defaults/main.yml",
        "tasks.yml",
    ];
    let Some(dir) = write_parts(&NAMES, data) else {
        return;
    };
    let opts = sbom_ansible::AnsibleOptions {
        extra_vars: vec![sbom_ansible::ExtraVars::Pair(
            "release".into(),
            "2024.2".into(),
        )],
        verbose: false,
    };
    if let Ok(mut report) = sbom_ansible::read_ansible(&dir.path().join(NAMES[0]), &opts) {
        sbom_ansible::disambiguate(&mut report.packages);
        let mut sbom = sbom_model::Sbom {
            packages: report.packages,
            ..sbom_model::Sbom::default()
        };
        sbom.finalize();
        crate::image::write_all(&sbom);
    }
}

/// A release manifest (`sbom scan --release FILE`); a second part is the
/// `--images-map` file of the `docker_images:` shape.
pub fn release_manifest(data: &[u8]) {
    let p = parts(data, 2);
    let Ok(text) = std::str::from_utf8(p[0]) else {
        return;
    };
    let _ = list::parse_release(text, None::<&Path>, None);
    if p.len() > 1 {
        if let Some(dir) = write_parts(&["release.yml", "images.yml"], data) {
            let map = dir.path().join("images.yml");
            let _ = list::parse_release(text, Some(&map), Some("registry.example"));
        }
    }
}
