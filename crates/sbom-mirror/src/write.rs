//! The output folder: every mirror input of a [`Plan`], `summary.json` and `summary.md`,
//! written into a fresh folder beside the target and swapped in whole.
use std::path::{Path, PathBuf};

use sbom_model::Ecosystem;
use serde::Serialize;

use crate::plan::{ImagePin, OsGroup, Plan, Unpinned};
use crate::{deb, oci, pypi, rpm, MirrorError};

/// The file that marks a folder as ours (an existing folder without it is not replaced).
pub const SUMMARY_JSON: &str = "summary.json";

/// One OS group in the summary.
#[derive(Serialize)]
struct GroupSummary<'a> {
    group: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    codename: Option<&'a str>,
    packages: usize,
    declared: usize,
    sources: usize,
    files: Vec<String>,
}

/// One Python environment in the summary.
#[derive(Serialize)]
struct EnvSummary<'a> {
    id: &'a str,
    image: &'a str,
    site_root: &'a str,
    pins: usize,
    declared: bool,
    file: String,
}

/// `summary.json`.
#[derive(Serialize)]
struct Summary<'a> {
    version: u32,
    counts: &'a crate::plan::Counts,
    deb: Vec<GroupSummary<'a>>,
    rpm: Vec<GroupSummary<'a>>,
    pypi: Vec<EnvSummary<'a>>,
    images: Vec<&'a ImagePin>,
    /// Pins only a declaration asks for.
    declared: Vec<crate::plan::Declared>,
    unpinned: &'a [Unpinned],
}

fn group_files(plan: &Plan, g: &OsGroup) -> Vec<(String, String)> {
    let pins = plan.os_pins(g);
    let dir = format!("{}/{}", g.ecosystem, g.path());
    match g.ecosystem {
        Ecosystem::Rpm => vec![
            (format!("{dir}/dnf-download.txt"), rpm::dnf_list(&pins)),
            (format!("{dir}/includepkgs.conf"), rpm::includepkgs(&pins)),
            (format!("{dir}/pulp.json"), rpm::pulp_json(&pins)),
            (format!("{dir}/sources.txt"), rpm::sources(&pins)),
        ],
        _ => vec![
            (format!("{dir}/aptly-filter.txt"), deb::aptly_filter(&pins)),
            (
                format!("{dir}/apt-get.txt"),
                deb::apt_get_list(&pins, &g.arch),
            ),
            (format!("{dir}/pulp.json"), deb::pulp_json(&pins)),
            (format!("{dir}/sources.txt"), deb::sources(&pins)),
        ],
    }
}

fn group_summary<'a>(
    plan: &'a Plan,
    g: &'a OsGroup,
    files: &[(String, String)],
) -> GroupSummary<'a> {
    let pins = plan.os_pins(g);
    let sources = files
        .iter()
        .find(|(p, _)| p.ends_with("/sources.txt"))
        .map_or(0, |(_, c)| c.lines().count());
    GroupSummary {
        group: g.path(),
        codename: g.codename.as_deref(),
        packages: pins.len(),
        declared: pins.iter().filter(|p| !p.observed).count(),
        sources,
        files: files.iter().map(|(p, _)| p.clone()).collect(),
    }
}

/// Every file of the output folder, by path relative to it.
pub fn render(plan: &Plan) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let (mut debs, mut rpms) = (Vec::new(), Vec::new());
    for g in plan.os.keys() {
        let f = group_files(plan, g);
        let s = group_summary(plan, g, &f);
        if g.ecosystem == Ecosystem::Rpm {
            rpms.push(s);
        } else {
            debs.push(s);
        }
        files.extend(f);
    }
    let mut envs = Vec::new();
    for env in plan.python.values() {
        let file = format!("pypi/{}/requirements.txt", env.id);
        files.push((file.clone(), pypi::requirements(env)));
        envs.push(EnvSummary {
            id: &env.id,
            image: &env.image,
            site_root: &env.site_root,
            pins: env.pins.len(),
            declared: env.declared,
            file,
        });
    }
    if !plan.python.is_empty() {
        files.push((
            "pypi/allowlist.txt".into(),
            pypi::allowlist(plan.python.values()),
        ));
    }
    if !plan.images.is_empty() {
        files.push((
            "oci/skopeo-sync.yml".into(),
            oci::skopeo_sync_yaml(plan.images.values()),
        ));
        files.push((
            "oci/images.txt".into(),
            oci::image_list(plan.images.values()),
        ));
    }
    let summary = Summary {
        version: 1,
        counts: &plan.counts,
        deb: debs,
        rpm: rpms,
        pypi: envs,
        images: plan.images.values().collect(),
        declared: plan.declared_only(),
        unpinned: &plan.unpinned,
    };
    let mut json = serde_json::to_string_pretty(&summary).unwrap_or_else(|_| "{}".into());
    json.push('\n');
    files.push(("summary.md".into(), crate::summary::markdown(plan)));
    files.push((SUMMARY_JSON.into(), json));
    files.sort();
    files
}

/// Writes `files` as the whole content of `dir`: into a new folder beside it first, then
/// swapped in, so a failure leaves the old folder as it was. An existing `dir` is
/// replaced only when it is empty or a previous output of ours (has `summary.json`).
pub fn write_dir(dir: &Path, files: &[(String, String)]) -> Result<(), MirrorError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| MirrorError::Io { path, source }
    };
    let existing = dir.is_dir();
    if existing {
        let ours = dir.join(SUMMARY_JSON).is_file();
        let empty = std::fs::read_dir(dir).map_err(io(dir))?.next().is_none();
        if !ours && !empty {
            return Err(MirrorError::NotOurs(dir.to_path_buf()));
        }
    } else if dir.exists() {
        return Err(MirrorError::NotOurs(dir.to_path_buf()));
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    let tmp = tempfile::Builder::new()
        .prefix(".sbom-mirror-")
        .tempdir_in(&parent)
        .map_err(io(&parent))?;
    for (rel, content) in files {
        // Paths are made by us from path-safe parts; refuse anything else all the same.
        if rel
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..")
        {
            return Err(MirrorError::Invalid(format!("output path {rel}")));
        }
        let path = tmp.path().join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).map_err(io(p))?;
        }
        std::fs::write(&path, content).map_err(io(&path))?;
    }
    let new = tmp.keep();
    if existing {
        let old = parent.join(format!(
            ".sbom-mirror-old-{}",
            new.file_name().and_then(|n| n.to_str()).unwrap_or("x")
        ));
        std::fs::rename(dir, &old).map_err(io(dir))?;
        if let Err(source) = std::fs::rename(&new, dir) {
            let _ = std::fs::rename(&old, dir);
            return Err(MirrorError::Io {
                path: dir.to_path_buf(),
                source,
            });
        }
        std::fs::remove_dir_all(&old).map_err(io(&old))?;
    } else {
        std::fs::rename(&new, dir).map_err(io(dir))?;
    }
    Ok(())
}
