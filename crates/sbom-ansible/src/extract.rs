//! What each installing module reveals: OS packages, pip, downloads, container images,
//! compose files and package sources.
use std::path::{Path, PathBuf};

use sbom_model::{Checksum, Ecosystem, HashAlgorithm, Origin, Package};
use serde_json::{Map, Value};

use crate::jinja::{has_template, Ctx, Outcome};
use crate::walk::{Env, Site, Walker};
use crate::yaml::scalar_text;
use crate::{AnsibleError, PackageSource};

/// Ansible's truthiness for module flags (`yes`, `true`, `on`, `1`).
fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_i64().is_some_and(|i| i != 0),
        Value::String(s) => matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "yes" | "true" | "on" | "1" | "y"
        ),
        _ => false,
    }
}

/// The ecosystem of the generic `package` module: from `use:` or the facts
/// `ansible_pkg_mgr` / `ansible_os_family` when they are known, else generic.
fn package_ecosystem(args: &Map<String, Value>, ctx: &Ctx) -> Ecosystem {
    let fact = |k: &str| {
        ctx.get(k)
            .and_then(scalar_text)
            .filter(|v| !has_template(v))
            .map(|v| v.to_ascii_lowercase())
    };
    let mgr = args
        .get("use")
        .and_then(scalar_text)
        .filter(|v| !has_template(v) && v != "auto")
        .or_else(|| fact("ansible_pkg_mgr"));
    match mgr.as_deref() {
        Some("apt") => return Ecosystem::Deb,
        Some("dnf" | "dnf5" | "yum") => return Ecosystem::Rpm,
        Some("apk") => return Ecosystem::Apk,
        _ => {}
    }
    match fact("ansible_os_family").as_deref() {
        Some("debian") => Ecosystem::Deb,
        Some("redhat") => Ecosystem::Rpm,
        Some("alpine") => Ecosystem::Apk,
        _ => Ecosystem::Generic,
    }
}

fn is_url(s: &str) -> bool {
    let l = s.trim_start().to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://") || l.starts_with("ftp://")
}

/// A URL without query and fragment.
fn url_path(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

fn last_segment(url: &str) -> &str {
    url_path(url)
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
}

/// Whether a download is an apt/rpm signing key, not software.
pub(crate) fn is_signing_key(url: &str, dest: Option<&str>) -> bool {
    let file = last_segment(url).to_ascii_lowercase();
    let key_file = |f: &str| {
        [".gpg", ".asc", ".key", ".pub", ".gpg.key"]
            .iter()
            .any(|e| f.ends_with(e))
            || matches!(f, "gpg" | "gpgkey" | "key")
    };
    if key_file(&file) {
        return true;
    }
    dest.is_some_and(|d| {
        let d = d.trim().to_ascii_lowercase();
        [
            "/etc/apt/keyrings",
            "/etc/apt/trusted.gpg.d",
            "/usr/share/keyrings",
            "/etc/pki/rpm-gpg",
        ]
        .iter()
        .any(|p| d.starts_with(p))
            || key_file(last_segment(&d))
    })
}

const ARCHIVE_EXTS: &[&str] = &[
    ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tar.zst", ".tzst", ".tar", ".zip",
    ".gz", ".xz", ".bz2", ".zst", ".deb", ".rpm", ".whl", ".bin",
];

fn strip_archive_ext(f: &str) -> &str {
    let lower = f.to_ascii_lowercase();
    for e in ARCHIVE_EXTS {
        if lower.ends_with(e) && f.len() > e.len() {
            return &f[..f.len() - e.len()];
        }
    }
    f
}

/// The part of a file name before its version: separators and a `v` prefix trimmed.
fn name_prefix(s: &str) -> &str {
    let prefix = s.trim_end_matches(['-', '_', '.']);
    match prefix.strip_suffix('v') {
        Some(p) if p.is_empty() || p.ends_with(['-', '_', '.']) => {
            p.trim_end_matches(['-', '_', '.'])
        }
        _ => prefix,
    }
}

/// The name of a downloaded artefact: the repository of a GitHub release URL, else the
/// file name up to its version, else the file name without archive extensions.
pub(crate) fn name_from_url(url: &str, version: &str) -> String {
    let path = url_path(url);
    let after_scheme = path.split_once("://").map(|(_, r)| r).unwrap_or(path);
    let segs: Vec<&str> = after_scheme.split('/').filter(|s| !s.is_empty()).collect();
    if let [host, _owner, repo, "releases", "download", ..] = segs.as_slice() {
        if host.eq_ignore_ascii_case("github.com") && !has_template(repo) {
            return (*repo).to_string();
        }
    }
    let file = last_segment(url);
    if let Some(i) = file.find("{{") {
        // `keystone-{{ keystone_version }}.tar.gz`: the name is what comes before.
        let prefix = name_prefix(&file[..i]);
        if !prefix.is_empty() {
            return prefix.to_string();
        }
    }
    if !version.is_empty() {
        if let Some(i) = file.find(version) {
            let prefix = name_prefix(&file[..i]);
            if !prefix.is_empty() {
                return prefix.to_string();
            }
        }
    }
    let stem = strip_archive_ext(file);
    if stem.is_empty() {
        segs.first().map(|s| (*s).to_string()).unwrap_or_default()
    } else {
        stem.to_string()
    }
}

/// Splits an apt-style pin: `nginx=1.24.*` → (`nginx`, `1.24.*`, None);
/// `nginx>=1.2` → (`nginx`, ``, Some(`>=1.2`)).
pub(crate) fn split_pin(entry: &str) -> (String, String, Option<String>) {
    let e = entry.trim();
    if let Some(i) = e.find(['<', '>']) {
        return (
            e[..i].trim().to_string(),
            String::new(),
            Some(e[i..].trim().to_string()),
        );
    }
    match e.split_once('=') {
        Some((n, v)) => (n.trim().to_string(), v.trim().to_string(), None),
        None => (e.to_string(), String::new(), None),
    }
}

/// A pip requirement: (name, exact version, other constraint, download URL).
pub(crate) fn parse_pip_req(s: &str) -> Option<(String, String, Option<String>, Option<String>)> {
    let s = s.split(" #").next().unwrap_or_default().trim();
    if s.is_empty() || s.starts_with('#') {
        return None;
    }
    if s.contains("://") || s.starts_with('/') || s.starts_with("./") {
        let name = s
            .split_once("#egg=")
            .map(|(_, e)| e.split('&').next().unwrap_or(e).to_string())
            .unwrap_or_else(|| strip_archive_ext(last_segment(s)).to_string());
        let url = s.trim_start_matches("git+").to_string();
        return Some((name, String::new(), None, Some(url)));
    }
    let s = s.split(';').next().unwrap_or_default().trim();
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .unwrap_or(s.len());
    let name = s[..end].to_string();
    if name.is_empty() {
        return None;
    }
    let mut rest = s[end..].trim();
    if rest.starts_with('[') {
        rest = rest.find(']').map(|i| rest[i + 1..].trim()).unwrap_or("");
    }
    let rest = rest.replace(' ', "");
    if let Some(v) = rest.strip_prefix("===").or_else(|| rest.strip_prefix("==")) {
        if !v.contains([',', '*']) {
            return Some((name, v.to_string(), None, None));
        }
    }
    let constraint = (!rest.is_empty()).then_some(rest);
    Some((name, String::new(), constraint, None))
}

/// Splits an image reference into repository and tag or digest.
pub(crate) fn split_image(r: &str) -> (String, String) {
    let r = r.trim().trim_start_matches("docker://");
    let (repo_tag, digest) = match r.split_once('@') {
        Some((a, d)) => (a, Some(d)),
        None => (r, None),
    };
    let slash = repo_tag.rfind('/').map(|i| i + 1).unwrap_or(0);
    let (repo, tag) = match repo_tag[slash..].rfind(':') {
        Some(i) => (&repo_tag[..slash + i], Some(&repo_tag[slash + i + 1..])),
        None => (repo_tag, None),
    };
    let version = digest.or(tag).filter(|v| !v.is_empty()).unwrap_or("latest");
    (repo.to_string(), version.to_string())
}

/// Whether a file name looks like a docker compose file (template or plain).
pub(crate) fn is_compose_name(name: &str) -> bool {
    let n = last_segment(name).to_ascii_lowercase();
    let n = n.strip_suffix(".j2").unwrap_or(&n);
    n.contains("compose") && (n.ends_with(".yml") || n.ends_with(".yaml"))
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    s
}

impl Walker<'_> {
    /// The first of `names` that is given (a field that renders to `omit` is not given).
    fn field(&self, args: &Map<String, Value>, names: &[&str], ctx: &Ctx) -> Option<Outcome> {
        names
            .iter()
            .filter_map(|n| args.get(*n))
            .map(|raw| self.jinja.eval(raw, ctx))
            .find(|o| o.value.as_str() != Some(crate::jinja::OMIT))
    }

    fn text(&self, args: &Map<String, Value>, names: &[&str], ctx: &Ctx) -> Option<String> {
        self.field(args, names, ctx).and_then(|o| o.text())
    }

    fn absent(&self, args: &Map<String, Value>, ctx: &Ctx) -> bool {
        self.text(args, &["state"], ctx)
            .is_some_and(|s| matches!(s.trim().to_ascii_lowercase().as_str(), "absent" | "removed"))
    }

    fn flag(&self, args: &Map<String, Value>, name: &str, ctx: &Ctx) -> bool {
        self.field(args, &[name], ctx)
            .is_some_and(|o| truthy(&o.value))
    }

    /// Adds a package with its origin and task properties.
    fn emit(
        &mut self,
        mut p: Package,
        site: &Site,
        at: Option<(String, Option<u32>)>,
        unresolved: &[String],
    ) {
        let (file, line) = at.unwrap_or_else(|| (site.file.clone(), site.line));
        if has_template(&p.version) {
            // Never a guessed or half-rendered version: the expression is in `unresolved`.
            p.version.clear();
        }
        p.origin = Origin::Declared {
            file: file.clone(),
            line,
            scope: site.scope.clone(),
        };
        p.properties
            .insert(crate::PROP_MODULE.into(), site.module.clone());
        if let Some(t) = &site.task {
            p.properties.insert(crate::PROP_TASK.into(), t.clone());
        }
        if !site.when.is_empty() {
            p.properties
                .insert(crate::PROP_WHEN.into(), site.when.join(" and "));
        }
        if let Some(h) = &site.hosts {
            p.properties.insert(crate::PROP_HOSTS.into(), h.clone());
        }
        if !unresolved.is_empty() {
            p.properties.insert(
                crate::PROP_UNRESOLVED.into(),
                serde_json::to_string(unresolved).unwrap_or_default(),
            );
            let what = format!("{} {}", site.module, p.name);
            let s = Site {
                file,
                line,
                ..site.clone()
            };
            self.unresolved(&s, line, &what, unresolved);
        }
        self.report.packages.push(p);
    }

    /// Dispatches a module; `true` when the module is one that installs software.
    pub(crate) fn module(
        &mut self,
        module: &str,
        args: &Map<String, Value>,
        ctx: &Ctx,
        env: &Env,
        site: &Site,
    ) -> Result<bool, AnsibleError> {
        match module {
            "apt" => self.os_packages(Ecosystem::Deb, args, ctx, site),
            "dnf" | "dnf5" | "yum" => self.os_packages(Ecosystem::Rpm, args, ctx, site),
            "apk" => self.os_packages(Ecosystem::Apk, args, ctx, site),
            "package" => self.os_packages(package_ecosystem(args, ctx), args, ctx, site),
            "pip" => return self.pip(args, ctx, env, site),
            "get_url" => self.download(Ecosystem::Binary, "url", args, ctx, site),
            "unarchive" => self.download(Ecosystem::Archive, "src", args, ctx, site),
            "docker_container" | "podman_container" | "docker_swarm_service" => {
                if !self.absent(args, ctx) {
                    if let Some(o) = self.field(args, &["image"], ctx) {
                        self.image(o, site, None);
                    }
                }
            }
            "docker_image" | "podman_image" | "docker_image_pull" => {
                self.docker_image(args, ctx, site)
            }
            "docker_compose" | "docker_compose_v2" => {
                if let Some(Value::Object(def)) = args.get("definition") {
                    if let Some(Value::Object(services)) = def.get("services") {
                        for svc in services.values() {
                            if let Some(img) = svc.get("image") {
                                let o = self.jinja.eval(img, ctx);
                                self.image(o, site, None);
                            }
                        }
                    }
                }
            }
            "template" | "copy" => return self.compose_task(module, args, ctx, env, site),
            "apt_repository" | "deb822_repository" | "yum_repository" => {
                self.source(module, args, ctx, site)
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Names of a `name:` argument: a list, a comma-separated string, or an expression.
    fn names(&self, raw: &Value, ctx: &Ctx) -> Vec<(String, Vec<String>)> {
        let mut out = Vec::new();
        let mut push = |v: &Value, unresolved: &[String]| match v {
            Value::Array(a) => {
                for x in a {
                    if let Some(t) = scalar_text(x) {
                        out.push((t, unresolved.to_vec()));
                    }
                }
            }
            other => {
                if let Some(t) = scalar_text(other) {
                    if has_template(&t) {
                        out.push((t, unresolved.to_vec()));
                    } else {
                        for part in t.split(',') {
                            out.push((part.trim().to_string(), unresolved.to_vec()));
                        }
                    }
                }
            }
        };
        match raw {
            Value::Array(items) => {
                for it in items {
                    let o = self.jinja.eval(it, ctx);
                    push(&o.value, &o.unresolved);
                }
            }
            other => {
                let o = self.jinja.eval(other, ctx);
                push(&o.value, &o.unresolved);
            }
        }
        out.retain(|(n, _)| !n.is_empty() && n != crate::jinja::OMIT);
        out
    }

    fn os_packages(&mut self, eco: Ecosystem, args: &Map<String, Value>, ctx: &Ctx, site: &Site) {
        if self.absent(args, ctx) || self.flag(args, "download_only", ctx) {
            return;
        }
        if eco == Ecosystem::Deb {
            if let Some(o) = self.field(args, &["deb"], ctx) {
                if let Some(url) = o.text().filter(|u| is_url(u)) {
                    let file = strip_archive_ext(last_segment(&url)).to_string();
                    let mut parts = file.splitn(3, '_');
                    let name = parts.next().unwrap_or_default().to_string();
                    let version = parts.next().unwrap_or_default().to_string();
                    let mut p = Package::new(Ecosystem::Deb, name, version);
                    p.arch = parts.next().map(str::to_string);
                    p.download_url = Some(url);
                    self.emit(p, site, None, &o.unresolved);
                }
            }
        }
        let Some(raw) = ["name", "pkg", "package"].iter().find_map(|k| args.get(*k)) else {
            return;
        };
        for (entry, unresolved) in self.names(raw, ctx) {
            let (name, version, constraint) = match eco {
                Ecosystem::Rpm => (entry.trim().to_string(), String::new(), None),
                _ => split_pin(&entry),
            };
            if name.is_empty() {
                continue;
            }
            let mut p = Package::new(eco, name, version);
            if let Some(c) = constraint {
                p.properties
                    .insert(crate::PROP_VERSION_CONSTRAINT.into(), c);
            }
            if eco == Ecosystem::Rpm {
                // An rpm purl's namespace is the vendor, known only from the fact
                // `ansible_distribution` (`-e ansible_distribution=Rocky`). Without it
                // `pkg:rpm/NAME` would be invalid: a generic purl says only what is known.
                let vendor = ctx
                    .get("ansible_distribution")
                    .and_then(scalar_text)
                    .filter(|v| !v.is_empty() && !has_template(v))
                    .map(|v| v.to_ascii_lowercase());
                let (ty, ns) = match &vendor {
                    Some(v) => ("rpm", Some(v.as_str())),
                    None => ("generic", None),
                };
                p.purl = Some(sbom_model::purl::build(
                    ty,
                    ns,
                    &p.name,
                    Some(&p.version),
                    &[],
                ));
            }
            self.emit(p, site, None, &unresolved);
        }
    }

    fn pip(
        &mut self,
        args: &Map<String, Value>,
        ctx: &Ctx,
        env: &Env,
        site: &Site,
    ) -> Result<bool, AnsibleError> {
        if self.absent(args, ctx) {
            return Ok(true);
        }
        let venv = self.text(args, &["virtualenv"], ctx);
        let version_arg = self.field(args, &["version"], ctx);
        let names = args
            .get("name")
            .map(|raw| self.names(raw, ctx))
            .unwrap_or_default();
        let single = names.len() == 1;
        for (entry, mut unresolved) in names {
            let Some((name, mut version, constraint, url)) = parse_pip_req(&entry) else {
                continue;
            };
            if version.is_empty() && constraint.is_none() && single {
                if let Some(v) = &version_arg {
                    version = v.text().unwrap_or_default();
                    unresolved.extend(v.unresolved.iter().cloned());
                }
            }
            let mut p = Package::new(Ecosystem::Pypi, name, version);
            p.download_url = url;
            if let Some(c) = constraint {
                p.properties
                    .insert(crate::PROP_VERSION_CONSTRAINT.into(), c);
            }
            if let Some(v) = &venv {
                p.properties
                    .insert(crate::PROP_VIRTUALENV.into(), v.clone());
            }
            self.emit(p, site, None, &unresolved);
        }
        if let Some(o) = self.field(args, &["requirements"], ctx) {
            let Some(req) = o.text().filter(|_| o.unresolved.is_empty()) else {
                self.unresolved(site, None, "pip requirements", &o.unresolved);
                return Ok(true);
            };
            let mut candidates: Vec<PathBuf> = Vec::new();
            if let Some(r) = &env.role_dir {
                candidates.push(r.join("files").join(&req));
                candidates.push(r.join(&req));
            }
            candidates.push(PathBuf::from(&req));
            match candidates.into_iter().find(|p| p.is_file()) {
                Some(path) => self.requirements(&path, site, venv.as_deref(), 0)?,
                None => self.unresolved(site, None, "pip requirements file not found", &[req]),
            }
        }
        Ok(true)
    }

    fn requirements(
        &mut self,
        path: &Path,
        site: &Site,
        venv: Option<&str>,
        depth: usize,
    ) -> Result<(), AnsibleError> {
        let text = std::fs::read_to_string(path).map_err(|e| AnsibleError::io(path, e))?;
        let file = self.display(path);
        for (i, line) in text.lines().enumerate() {
            let l = line.trim();
            if let Some(inc) = l
                .strip_prefix("-r ")
                .or_else(|| l.strip_prefix("--requirement "))
            {
                let p = path
                    .parent()
                    .map(|d| d.join(inc.trim()))
                    .unwrap_or_default();
                if depth < 8 && p.is_file() {
                    self.requirements(&p, site, venv, depth + 1)?;
                } else {
                    let s = Site {
                        file: file.clone(),
                        line: u32::try_from(i + 1).ok(),
                        ..site.clone()
                    };
                    self.unresolved(
                        &s,
                        None,
                        "pip requirements file not found",
                        &[inc.trim().to_string()],
                    );
                }
                continue;
            }
            if l.starts_with('-') {
                continue;
            }
            let Some((name, version, constraint, url)) = parse_pip_req(l) else {
                continue;
            };
            let mut p = Package::new(Ecosystem::Pypi, name, version);
            p.download_url = url;
            if let Some(c) = constraint {
                p.properties
                    .insert(crate::PROP_VERSION_CONSTRAINT.into(), c);
            }
            if let Some(v) = venv {
                p.properties
                    .insert(crate::PROP_VIRTUALENV.into(), v.to_string());
            }
            self.emit(
                p,
                site,
                Some((file.clone(), u32::try_from(i + 1).ok())),
                &[],
            );
        }
        Ok(())
    }

    /// The version of a download: a variable the URL uses whose name says it is a
    /// version (`*version*`, `*_tag`) and whose value appears in the URL.
    fn version_from_refs(&self, o: &Outcome, ctx: &Ctx, url: &str) -> String {
        let mut best: Option<String> = None;
        for name in &o.refs {
            let n = name.to_ascii_lowercase();
            if !(n.contains("version") || n.ends_with("_tag") || n == "tag") {
                continue;
            }
            let Some(v) = ctx.get(name).and_then(scalar_text) else {
                continue;
            };
            if v.is_empty() || has_template(&v) || !url.contains(&v) {
                continue;
            }
            if best.as_ref().is_none_or(|b| v.len() > b.len()) {
                best = Some(v);
            }
        }
        best.unwrap_or_default()
    }

    fn download(
        &mut self,
        eco: Ecosystem,
        key: &str,
        args: &Map<String, Value>,
        ctx: &Ctx,
        site: &Site,
    ) {
        let Some(o) = self.field(args, &[key], ctx) else {
            return;
        };
        let Some(url) = o.text() else { return };
        if !is_url(&url) {
            if eco == Ecosystem::Binary || !o.unresolved.is_empty() && !url.starts_with('/') {
                // get_url always downloads; an unresolved unarchive src may be a URL.
                self.unresolved(site, None, &format!("{} {key}", site.module), &o.unresolved);
            }
            return;
        }
        let dest = self.text(args, &["dest"], ctx);
        if is_signing_key(&url, dest.as_deref()) {
            return;
        }
        let mut unresolved = o.unresolved.clone();
        let version = self.version_from_refs(&o, ctx, &url);
        let name = name_from_url(&url, &version);
        let mut p = Package::new(eco, name, version);
        if let Some(c) = self.field(args, &["checksum"], ctx) {
            unresolved.extend(c.unresolved.iter().cloned());
            if let Some((algo, value)) = c.text().as_deref().and_then(|t| t.split_once(':')) {
                let value = value.trim();
                if is_url(value) {
                    p.properties
                        .insert(crate::PROP_CHECKSUM_URL.into(), value.to_string());
                } else if let Some(algorithm) = HashAlgorithm::parse(algo) {
                    if !value.is_empty() && value.chars().all(|c| c.is_ascii_hexdigit()) {
                        p.checksums.push(Checksum {
                            algorithm,
                            value: value.to_ascii_lowercase(),
                        });
                    }
                }
            }
        }
        p.download_url = Some(url);
        self.emit(p, site, None, &unresolved);
    }

    fn image(&mut self, o: Outcome, site: &Site, at: Option<(String, Option<u32>)>) {
        let Some(r) = o
            .text()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
        else {
            return;
        };
        let (name, version) = split_image(&r);
        let mut p = Package::new(Ecosystem::Oci, name, version);
        p.properties.insert(crate::PROP_IMAGE.into(), r.clone());
        if o.unresolved.is_empty() {
            self.report.images.push(r);
        }
        self.emit(p, site, at, &o.unresolved);
    }

    fn docker_image(&mut self, args: &Map<String, Value>, ctx: &Ctx, site: &Site) {
        if self.absent(args, ctx) || args.contains_key("build") {
            return;
        }
        if let Some(src) = self.text(args, &["source"], ctx) {
            if matches!(src.as_str(), "build" | "load" | "local") {
                return;
            }
        }
        let Some(mut o) = self.field(args, &["name"], ctx) else {
            return;
        };
        if let (Some(name), Some(tag)) = (o.text(), self.field(args, &["tag"], ctx)) {
            let last = name.rsplit('/').next().unwrap_or(&name);
            if !last.contains(':') && !name.contains('@') {
                if let Some(t) = tag.text() {
                    o.value = Value::String(format!("{name}:{t}"));
                    o.unresolved.extend(tag.unresolved.iter().cloned());
                }
            }
        }
        self.image(o, site, None);
    }

    fn compose_task(
        &mut self,
        module: &str,
        args: &Map<String, Value>,
        ctx: &Ctx,
        env: &Env,
        site: &Site,
    ) -> Result<bool, AnsibleError> {
        let Some(o) = self.field(args, &["src"], ctx) else {
            return Ok(false);
        };
        let Some(src) = o.text() else {
            return Ok(false);
        };
        if !is_compose_name(&src) {
            return Ok(false);
        }
        if !o.unresolved.is_empty() {
            self.unresolved(site, None, &format!("{module} src"), &o.unresolved);
            return Ok(true);
        }
        let sub = if module == "template" {
            "templates"
        } else {
            "files"
        };
        let mut candidates = Vec::new();
        if let Some(r) = &env.role_dir {
            candidates.push(r.join(sub).join(&src));
        }
        if let Some(d) = env.file.parent() {
            candidates.push(d.join(&src));
            candidates.push(d.join(sub).join(&src));
        }
        match candidates.into_iter().find(|p| p.is_file()) {
            Some(path) => {
                self.scanned.insert(path.clone());
                self.scan_compose(&path, ctx, site, module == "template")?;
            }
            None => self.unresolved(
                site,
                None,
                &format!("{module} compose file not found"),
                &[src],
            ),
        }
        Ok(true)
    }

    /// Reads `image:` lines of a compose file (a template is rendered line by line with
    /// the task's variables, so `{% %}` blocks never stop the rest of the file).
    pub(crate) fn scan_compose(
        &mut self,
        path: &Path,
        ctx: &Ctx,
        site: &Site,
        render: bool,
    ) -> Result<(), AnsibleError> {
        let text = std::fs::read_to_string(path).map_err(|e| AnsibleError::io(path, e))?;
        let file = self.display(path);
        let mut s = site.clone();
        s.module = "compose".to_string();
        // `{% for x in list %}` blocks around an image line: the line is read once per item.
        let mut loops: Vec<Option<(String, String)>> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let t = line.trim_start();
            if render && t.starts_with("{%") {
                match for_header(t) {
                    Some(ForTag::Open(h)) => loops.push(h),
                    Some(ForTag::Close) => {
                        loops.pop();
                    }
                    None => {}
                }
                continue;
            }
            let Some(v) = t.strip_prefix("image:") else {
                continue;
            };
            let v = match v.find(" #") {
                Some(j) if !v.trim_start().starts_with(['"', '\'']) => &v[..j],
                _ => v,
            };
            let v = unquote(v);
            if v.is_empty() {
                continue;
            }
            let at = Some((file.clone(), u32::try_from(i + 1).ok()));
            if !render {
                let o = Outcome {
                    value: Value::String(v.to_string()),
                    ..Outcome::default()
                };
                self.image(o, &s, at);
                continue;
            }
            let mut ctxs = vec![ctx.clone()];
            for l in &loops {
                ctxs = self.loop_contexts(l.as_ref(), ctxs, &s);
            }
            for c in &ctxs {
                let o = self.jinja.eval_str(v, c);
                self.image(o, &s, at.clone());
            }
        }
        Ok(())
    }

    /// Contexts for one more level of a template `for` loop (at most 1000 in all); an
    /// unresolvable loop leaves its variable undefined, so the line reports it.
    fn loop_contexts(
        &mut self,
        header: Option<&(String, String)>,
        ctxs: Vec<Ctx>,
        site: &Site,
    ) -> Vec<Ctx> {
        let Some((var, expr)) = header else {
            return ctxs;
        };
        let mut out = Vec::new();
        for c in ctxs {
            let o = self.jinja.eval_str(&format!("{{{{ {expr} }}}}"), &c);
            match o.value {
                Value::Array(items) if o.unresolved.is_empty() => {
                    for item in items {
                        if out.len() >= 1000 {
                            return out;
                        }
                        let mut m = Map::new();
                        m.insert(var.clone(), item);
                        out.push(c.with_values(m));
                    }
                }
                _ => {
                    self.unresolved(site, None, "compose for loop", &o.unresolved);
                    out.push(c);
                }
            }
        }
        out
    }

    /// Compose files in the role's `templates/` and `files/` that no task referenced.
    pub(crate) fn role_templates(&mut self, role: &Path, env: &Env) -> Result<(), AnsibleError> {
        for (sub, render) in [("templates", true), ("files", false)] {
            let mut files = Vec::new();
            collect_files(&role.join(sub), 0, &mut files);
            files.sort();
            for f in files {
                let name = f.to_string_lossy().into_owned();
                if !is_compose_name(&name) || self.scanned.contains(&f) {
                    continue;
                }
                self.scanned.insert(f.clone());
                let site = Site {
                    file: self.display(&f),
                    line: None,
                    scope: env.scope.clone(),
                    hosts: env.hosts.clone(),
                    task: None,
                    module: "compose".to_string(),
                    when: env.when.clone(),
                };
                self.scan_compose(&f, &env.ctx, &site, render)?;
            }
        }
        Ok(())
    }

    fn source(&mut self, module: &str, args: &Map<String, Value>, ctx: &Ctx, site: &Site) {
        if self.absent(args, ctx) {
            return;
        }
        let mut unresolved = Vec::new();
        let mut part = |names: &[&str]| -> Option<String> {
            let o = self.field(args, names, ctx)?;
            unresolved.extend(o.unresolved.iter().cloned());
            match &o.value {
                Value::Array(a) => Some(
                    a.iter()
                        .filter_map(scalar_text)
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
                v => scalar_text(v),
            }
        };
        let repo = match module {
            "apt_repository" => part(&["repo"]),
            "deb822_repository" => {
                let pieces: Vec<String> = [
                    part(&["types"]).or_else(|| Some("deb".to_string())),
                    part(&["uris"]),
                    part(&["suites"]),
                    part(&["components"]),
                ]
                .into_iter()
                .flatten()
                .collect();
                (pieces.len() > 1).then(|| pieces.join(" "))
            }
            _ => part(&["baseurl", "metalink", "mirrorlist"]),
        };
        let Some(repo) = repo.filter(|r| !r.trim().is_empty()) else {
            return;
        };
        if !unresolved.is_empty() {
            self.unresolved(site, None, module, &unresolved);
        }
        self.report.sources.push(PackageSource {
            repo,
            module: module.to_string(),
            file: site.file.clone(),
            line: site.line,
            scope: site.scope.clone(),
            unresolved,
        });
    }
}

enum ForTag {
    /// `{% for var in expr %}`; `None` when the loop binds several names.
    Open(Option<(String, String)>),
    Close,
}

/// Recognises `{% for NAME in EXPR %}` (an `if` filter or `recursive` dropped) and
/// `{% endfor %}` on a template line.
fn for_header(t: &str) -> Option<ForTag> {
    let inner = t.strip_prefix("{%")?;
    let end = inner.find("%}")?;
    let inner = inner[..end].trim_matches(['-', '+']).trim();
    if inner == "endfor" {
        return Some(ForTag::Close);
    }
    let rest = inner.strip_prefix("for ")?;
    let (var, expr) = rest.split_once(" in ")?;
    let var = var.trim();
    let expr = expr.split(" if ").next().unwrap_or(expr);
    let expr = expr.trim().trim_end_matches(" recursive").trim();
    if var.contains(',') || var.is_empty() || expr.is_empty() {
        return Some(ForTag::Open(None));
    }
    Some(ForTag::Open(Some((var.to_string(), expr.to_string()))))
}

fn collect_files(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > 4 {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_files(&p, depth + 1, out);
        } else if p.is_file() {
            out.push(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apt_pins() {
        assert_eq!(
            split_pin("nginx=1.24.*"),
            ("nginx".into(), "1.24.*".into(), None)
        );
        assert_eq!(split_pin("curl"), ("curl".into(), String::new(), None));
        assert_eq!(
            split_pin("foo>=1.2"),
            ("foo".into(), String::new(), Some(">=1.2".into()))
        );
    }

    #[test]
    fn pip_requirements() {
        assert_eq!(
            parse_pip_req("Keystone==25.0.0"),
            Some(("Keystone".into(), "25.0.0".into(), None, None))
        );
        assert_eq!(
            parse_pip_req("requests[socks] >=2.0,<3 ; python_version>'3'"),
            Some((
                "requests".into(),
                String::new(),
                Some(">=2.0,<3".into()),
                None
            ))
        );
        assert_eq!(parse_pip_req("# comment"), None);
        let (n, _, _, u) = parse_pip_req("git+https://example.org/x.git#egg=foo").expect("url");
        assert_eq!(n, "foo");
        assert_eq!(u.as_deref(), Some("https://example.org/x.git#egg=foo"));
    }

    #[test]
    fn image_refs() {
        assert_eq!(
            split_image("quay.io/osism/cgit:1.2.3"),
            ("quay.io/osism/cgit".into(), "1.2.3".into())
        );
        assert_eq!(
            split_image("localhost:5000/x"),
            ("localhost:5000/x".into(), "latest".into())
        );
        assert_eq!(
            split_image("redis:7@sha256:abcd"),
            ("redis".into(), "sha256:abcd".into())
        );
    }

    #[test]
    fn download_names() {
        assert_eq!(
            name_from_url("https://github.com/prometheus/node_exporter/releases/download/v1.8.2/node_exporter-1.8.2.linux-amd64.tar.gz", "1.8.2"),
            "node_exporter"
        );
        assert_eq!(
            name_from_url(
                "https://dl.k8s.io/release/v1.30.1/bin/linux/amd64/kubectl",
                "1.30.1"
            ),
            "kubectl"
        );
        assert_eq!(
            name_from_url("https://example.org/files/tool-v2.1_linux.tgz?x=1", "2.1"),
            "tool"
        );
        assert_eq!(
            name_from_url("https://example.org/files/tool.tar.gz", ""),
            "tool"
        );
    }

    #[test]
    fn signing_keys_are_recognised() {
        assert!(is_signing_key(
            "https://download.docker.com/linux/debian/gpg",
            None
        ));
        assert!(is_signing_key("https://x.org/key.asc", Some("/tmp/x")));
        assert!(is_signing_key(
            "https://x.org/k",
            Some("/etc/apt/keyrings/x")
        ));
        assert!(!is_signing_key(
            "https://x.org/tool.tar.gz",
            Some("/usr/local/bin")
        ));
    }

    #[test]
    fn template_for_headers() {
        assert!(matches!(
            for_header("{% for service in ansible_services if service.enable %}"),
            Some(ForTag::Open(Some((v, e)))) if v == "service" && e == "ansible_services"
        ));
        assert!(matches!(for_header("{%- endfor %}"), Some(ForTag::Close)));
        assert!(matches!(
            for_header("{% for k, v in x.items() %}"),
            Some(ForTag::Open(None))
        ));
        assert!(for_header("{% if x %}").is_none());
    }

    #[test]
    fn compose_names() {
        assert!(is_compose_name("docker-compose.yml.j2"));
        assert!(is_compose_name("templates/compose.yaml"));
        assert!(!is_compose_name("cgitrc.j2"));
    }
}
