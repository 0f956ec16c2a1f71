//! rpm: the mirror inputs for `dnf download`, reposync (`includepkgs=`) and Pulp, from
//! pins whose versions are `[E:]V-R` (the model's rpm form).
use std::collections::BTreeSet;

use serde::Serialize;

use crate::plan::OsPin;

/// `(epoch, version, release)` of an `[E:]V-R` version (epoch 0 when absent).
fn evr(v: &str) -> (u64, &str, &str) {
    match sbom_model::version::rpm::parse(v) {
        Some(e) => (e.epoch, e.version, e.release),
        None => (0, v, ""),
    }
}

/// `name-[E:]V-R.arch`, the NEVRA form `dnf download` and `includepkgs` take (the epoch
/// only when it is not 0).
pub fn nevra(p: &OsPin) -> String {
    let (e, v, r) = evr(&p.version);
    let epoch = if e > 0 {
        format!("{e}:")
    } else {
        String::new()
    };
    let arch = if p.arch.is_empty() {
        String::new()
    } else {
        format!(".{}", p.arch)
    };
    format!("{}-{epoch}{v}-{r}{arch}", p.name)
}

/// One NEVRA a line: `xargs dnf download --destdir DIR < dnf-download.txt`.
pub fn dnf_list(pins: &[&OsPin]) -> String {
    pins.iter().map(|p| format!("{}\n", nevra(p))).collect()
}

/// A `.repo` option line that limits a repository (and so `dnf reposync`) to exactly
/// these packages.
pub fn includepkgs(pins: &[&OsPin]) -> String {
    let all: Vec<String> = pins.iter().map(|p| nevra(p)).collect();
    format!("includepkgs={}\n", all.join(" "))
}

/// One entry of `pulp.json`, named as pulp_rpm's package content names its fields.
#[derive(Serialize)]
struct PulpRpm<'a> {
    name: &'a str,
    epoch: String,
    version: &'a str,
    release: &'a str,
    arch: &'a str,
}

/// A JSON list of `{name, epoch, version, release, arch}` (pulp_rpm's field names).
pub fn pulp_json(pins: &[&OsPin]) -> String {
    let list: Vec<PulpRpm<'_>> = pins
        .iter()
        .map(|p| {
            let (e, v, r) = evr(&p.version);
            PulpRpm {
                name: &p.name,
                epoch: e.to_string(),
                version: v,
                release: r,
                arch: &p.arch,
            }
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&list).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}

/// The source rpms (`bash-5.1.8-6.el9.src.rpm` as the header names them), one a line;
/// pins whose source is not known are left out.
pub fn sources(pins: &[&OsPin]) -> String {
    let set: BTreeSet<String> = pins
        .iter()
        .filter_map(|p| p.source_name.as_deref())
        .map(|s| format!("{s}\n"))
        .collect();
    set.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(name: &str, version: &str, arch: &str) -> OsPin {
        OsPin::new(name, version, arch)
    }

    #[test]
    fn nevra_writes_the_epoch_only_when_it_is_not_zero() {
        let mut bash = pin("bash", "5.1.8-6.el9", "x86_64");
        bash.source_name = Some("bash-5.1.8-6.el9.src.rpm".into());
        let openssl = pin("openssl-libs", "1:3.0.7-27.el9", "x86_64");
        let tz = pin("tzdata", "0:2024a-1.el9", "noarch");
        let pins = [&bash, &openssl, &tz];
        assert_eq!(
            dnf_list(&pins),
            "bash-5.1.8-6.el9.x86_64\nopenssl-libs-1:3.0.7-27.el9.x86_64\ntzdata-2024a-1.el9.noarch\n"
        );
        assert_eq!(
            includepkgs(&pins),
            "includepkgs=bash-5.1.8-6.el9.x86_64 openssl-libs-1:3.0.7-27.el9.x86_64 tzdata-2024a-1.el9.noarch\n"
        );
        assert_eq!(sources(&pins), "bash-5.1.8-6.el9.src.rpm\n");
        let v: serde_json::Value = serde_json::from_str(&pulp_json(&pins)).unwrap();
        assert_eq!(v[1]["epoch"], "1");
        assert_eq!(v[1]["version"], "3.0.7");
        assert_eq!(v[1]["release"], "27.el9");
        assert_eq!(v[2]["arch"], "noarch");
    }
}
