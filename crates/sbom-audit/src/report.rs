//! The whole audit result and its renderings: table, JSON, CycloneDX 1.6, SARIF 2.1.0.
use std::collections::BTreeMap;
use std::fmt::Write as _;

use sbom_model::Sbom;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::license::LicenseReport;
use crate::matcher::{package_ref, Finding, VulnReport};
use crate::osv::{LoadStats, LoadWarning};
use crate::proxy::{Artifact, ProxyReport};
use crate::quality::QualityReport;
use crate::severity::{RatingMethod, Severity};
use crate::AuditError;

/// Counts and warnings of the OSV load.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OsvSummary {
    pub stats: LoadStats,
    pub warnings: Vec<LoadWarning>,
}

/// Everything an audit found; sections are present when asked for.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AuditReport {
    /// What was audited, as the user named it.
    pub target: String,
    /// Labels of the audited SBOMs.
    pub sboms: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub osv: Option<OsvSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vulnerabilities: Option<VulnReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licenses: Option<LicenseReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy: Option<ProxyReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub quality: Vec<QualityReport>,
}

impl AuditReport {
    /// Whether a CI gate should fail: an active finding at or above `fail_on`, or any
    /// license-policy violation.
    pub fn fails(&self, fail_on: Option<Severity>) -> bool {
        let vulns = match (fail_on, &self.vulnerabilities) {
            (Some(t), Some(v)) => v.fails(t),
            _ => false,
        };
        let licenses = self
            .licenses
            .as_ref()
            .is_some_and(|l| !l.violations.is_empty());
        vulns || licenses
    }
}

fn ids_cell(f: &Finding) -> String {
    if f.aliases.is_empty() {
        f.id.clone()
    } else {
        format!("{} ({})", f.id, f.aliases.join(", "))
    }
}

fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let mut w: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(x) = w.get_mut(i) {
                *x = (*x).max(c.chars().count());
            }
        }
    }
    let line = |out: &mut String, cells: Vec<&str>| {
        let n = cells.len();
        for (i, c) in cells.into_iter().enumerate() {
            if i + 1 == n {
                out.push_str(c);
            } else {
                let pad = w
                    .get(i)
                    .copied()
                    .unwrap_or(0)
                    .saturating_sub(c.chars().count());
                out.push_str(c);
                out.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push('\n');
    };
    line(out, header.to_vec());
    for r in rows {
        line(out, r.iter().map(String::as_str).collect());
    }
}

/// The report for people.
pub fn to_table(r: &AuditReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Audit of {} ({} SBOM(s))", r.target, r.sboms.len());
    if let Some(o) = &r.osv {
        let _ = writeln!(
            out,
            "OSV: {} records from {} files ({} withdrawn skipped, {} warnings)",
            o.stats.records,
            o.stats.files,
            o.stats.withdrawn,
            o.warnings.len()
        );
    }
    if let Some(v) = &r.vulnerabilities {
        let active: Vec<&Finding> = v.active().collect();
        let packages: std::collections::BTreeSet<&str> =
            active.iter().map(|f| f.package.bom_ref.as_str()).collect();
        let _ = writeln!(
            out,
            "\nVulnerabilities: {} in {} package(s) ({} ignored)",
            active.len(),
            packages.len(),
            v.findings.len() - active.len()
        );
        if !active.is_empty() {
            // A release folder: say which images hold the package.
            let many = r.sboms.len() > 1;
            // The same name and version installed twice (venv and system site-packages):
            // say where.
            let mut copies: BTreeMap<(&str, &str), std::collections::BTreeSet<&str>> =
                BTreeMap::new();
            for f in &active {
                copies
                    .entry((f.package.name.as_str(), f.package.version.as_str()))
                    .or_default()
                    .insert(f.package.bom_ref.as_str());
            }
            let name_cell = |f: &Finding| -> String {
                let twice = copies
                    .get(&(f.package.name.as_str(), f.package.version.as_str()))
                    .is_some_and(|s| s.len() > 1);
                match (
                    twice,
                    f.package.site_root.as_ref().or(f.package.location.as_ref()),
                ) {
                    (true, Some(w)) => format!("{} [{}]", f.package.name, w),
                    _ => f.package.name.clone(),
                }
            };
            let rows: Vec<Vec<String>> = active
                .iter()
                .map(|f| {
                    let mut row = vec![
                        name_cell(f),
                        f.package.version.clone(),
                        f.fixed.clone().unwrap_or_else(|| "-".into()),
                        ids_cell(f),
                        f.severity.to_string(),
                    ];
                    if many {
                        row.push(if f.sboms.len() <= 3 {
                            f.sboms.join(", ")
                        } else {
                            format!("{} images", f.sboms.len())
                        });
                    }
                    row
                })
                .collect();
            let mut header = vec![
                "PACKAGE",
                "INSTALLED",
                "FIXED IN",
                "ID (ALIASES)",
                "SEVERITY",
            ];
            if many {
                header.push("IMAGES");
            }
            table(&mut out, &header, &rows);
        }
        let ignored: Vec<&Finding> = v.findings.iter().filter(|f| f.ignored.is_some()).collect();
        if !ignored.is_empty() {
            let _ = writeln!(out, "\nIgnored:");
            let rows: Vec<Vec<String>> = ignored
                .iter()
                .map(|f| {
                    let s = f.ignored.as_ref();
                    vec![
                        f.package.name.clone(),
                        f.package.version.clone(),
                        f.id.clone(),
                        s.map(|s| s.state.clone()).unwrap_or_default(),
                        clip(&s.map(|s| s.reason.clone()).unwrap_or_default(), 60),
                        s.and_then(|s| s.expires.clone())
                            .unwrap_or_else(|| "-".into()),
                        s.and_then(|s| s.source.clone())
                            .unwrap_or_else(|| "-".into()),
                    ]
                })
                .collect();
            table(
                &mut out,
                &[
                    "PACKAGE",
                    "INSTALLED",
                    "ID",
                    "STATE",
                    "REASON",
                    "EXPIRES",
                    "SOURCE",
                ],
                &rows,
            );
        }
        vex_table(&mut out, v);
        for e in &v.expired_ignores {
            let _ = writeln!(
                out,
                "EXPIRED ignore entry: {}{} (expired {}): {}",
                e.id,
                e.package
                    .as_deref()
                    .map(|p| format!(" for {p}"))
                    .unwrap_or_default(),
                e.expires.as_deref().unwrap_or("?"),
                e.reason
            );
        }
        for n in &v.notes {
            let _ = writeln!(out, "note: {n}");
        }
    }
    if let Some(l) = &r.licenses {
        let _ = writeln!(
            out,
            "\nLicense policy: {} violation(s), {} package(s) with unknown license, {} allowed",
            l.violations.len(),
            l.unknown.len(),
            l.allowed
        );
        if !l.violations.is_empty() {
            let rows: Vec<Vec<String>> = l
                .violations
                .iter()
                .map(|v| {
                    vec![
                        v.package.name.clone(),
                        v.package.version.clone(),
                        clip(&v.package.licenses.join(" | "), 60),
                        v.failing.join(", "),
                    ]
                })
                .collect();
            table(
                &mut out,
                &["PACKAGE", "VERSION", "LICENSE", "NOT ALLOWED"],
                &rows,
            );
        }
        if !l.unknown.is_empty() {
            let _ = writeln!(out, "\nUnknown licenses:");
            let rows: Vec<Vec<String>> = l
                .unknown
                .iter()
                .map(|u| {
                    vec![
                        u.name.clone(),
                        u.version.clone(),
                        if u.licenses.is_empty() {
                            "(none)".into()
                        } else {
                            clip(&u.licenses.join(" | "), 60)
                        },
                    ]
                })
                .collect();
            table(&mut out, &["PACKAGE", "VERSION", "DECLARED"], &rows);
        }
    }
    if let Some(p) = &r.proxy {
        let _ = writeln!(
            out,
            "\nProxy log: {} downloaded package(s) in NO SBOM, {} matched, {} other download(s), {} SBOM package(s) never downloaded",
            p.not_in_sbom.len(),
            p.matched,
            p.other_downloads.len(),
            p.not_downloaded.len()
        );
        if !p.not_in_sbom.is_empty() {
            let _ = writeln!(out, "DOWNLOADED BUT IN NO SBOM:");
            let rows: Vec<Vec<String>> = p
                .not_in_sbom
                .iter()
                .map(|d| {
                    let (kind, name, version) = match &d.artifact {
                        Artifact::Deb { name, version, .. } => {
                            ("deb", name.as_str(), version.as_str())
                        }
                        Artifact::Wheel { name, version, .. } => {
                            ("wheel", name.as_str(), version.as_str())
                        }
                        Artifact::Sdist { name, version, .. } => {
                            ("sdist", name.as_str(), version.as_str())
                        }
                        Artifact::Other { url } => ("other", url.as_str(), ""),
                    };
                    vec![kind.into(), name.into(), version.into(), d.url.clone()]
                })
                .collect();
            table(&mut out, &["KIND", "NAME", "VERSION", "URL"], &rows);
        }
        if !p.other_downloads.is_empty() {
            let _ = writeln!(out, "Other downloads:");
            for d in &p.other_downloads {
                let _ = writeln!(out, "  {} ({}x)", d.url, d.requests);
            }
        }
        if !p.tunnels.is_empty() {
            let _ = writeln!(
                out,
                "TLS tunnels (content not visible): {}",
                p.tunnels.join(", ")
            );
        }
        if !p.not_downloaded.is_empty() {
            let _ = writeln!(out, "In SBOMs but never downloaded (informational):");
            for u in &p.not_downloaded {
                let _ = writeln!(out, "  {} {} {}", u.ecosystem, u.name, u.version);
            }
        }
        for w in &p.warnings {
            let _ = writeln!(out, "log line {}: {}", w.line, w.message);
        }
    }
    for q in &r.quality {
        let _ = writeln!(out, "\nQuality of {}: score {}/100", q.sbom, q.score);
        let _ = writeln!(
            out,
            "document: author {}, timestamp {}, dependencies {}",
            yes(q.document.author),
            yes(q.document.timestamp),
            yes(q.document.dependencies)
        );
        let mut rows: Vec<Vec<String>> =
            q.per_ecosystem.iter().map(|(e, c)| cov_row(e, c)).collect();
        rows.push(cov_row("all", &q.overall));
        table(
            &mut out,
            &[
                "ECOSYSTEM",
                "PACKAGES",
                "PURL%",
                "LICENSE%",
                "SUPPLIER%",
                "CHECKSUM%",
                "NTIA%",
            ],
            &rows,
        );
    }
    out
}

/// Active findings that a VEX statement calls `affected` or `under_investigation`.
fn vex_table(out: &mut String, v: &VulnReport) {
    let rows: Vec<Vec<String>> = v
        .active()
        .filter_map(|f| {
            let x = f.vex.as_ref()?;
            Some(vec![
                f.package.name.clone(),
                f.package.version.clone(),
                f.id.clone(),
                x.status.as_str().to_string(),
                clip(x.statement.as_deref().unwrap_or("-"), 60),
                x.source.clone(),
            ])
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nVEX status of active findings:");
    table(
        out,
        &[
            "PACKAGE",
            "INSTALLED",
            "ID",
            "STATUS",
            "STATEMENT",
            "SOURCE",
        ],
        &rows,
    );
}

/// Shortens a cell to `max` characters (the JSON output keeps everything).
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(3)).collect();
        out.push_str("...");
        out
    }
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "NO"
    }
}

fn cov_row(name: &str, c: &crate::quality::Coverage) -> Vec<String> {
    let p = c.percent();
    let mut row = vec![name.to_string(), c.packages.to_string()];
    row.extend(p.iter().map(|x| format!("{x:.1}")));
    row
}

/// Our own JSON form (stable field order, sorted content).
pub fn to_json(r: &AuditReport) -> Result<String, AuditError> {
    Ok(serde_json::to_string_pretty(r)? + "\n")
}

fn cdx_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Unknown => "unknown",
    }
}

fn cdx_method(m: RatingMethod) -> &'static str {
    match m {
        RatingMethod::CvssV2 => "CVSSv2",
        RatingMethod::CvssV3 => "CVSSv3",
        RatingMethod::CvssV31 => "CVSSv31",
        RatingMethod::CvssV4 => "CVSSv4",
        RatingMethod::Other => "other",
    }
}

fn is_web_url(u: &str) -> bool {
    (u.starts_with("https://") || u.starts_with("http://")) && !u.contains(char::is_whitespace)
}

/// CycloneDX 1.6 JSON: the audited packages as components and a `vulnerabilities`
/// section (ratings, affects by bom-ref, aliases as references, advisories, and the
/// analysis of ignored findings).
pub fn to_cyclonedx(r: &AuditReport, sboms: &[Sbom]) -> Result<String, AuditError> {
    let mut components: BTreeMap<String, Value> = BTreeMap::new();
    for s in sboms {
        for p in &s.packages {
            let bom_ref = package_ref(p);
            components.entry(bom_ref.clone()).or_insert_with(|| {
                let mut c = Map::new();
                c.insert("type".into(), json!("library"));
                c.insert("bom-ref".into(), json!(bom_ref));
                c.insert("name".into(), json!(p.name));
                if !p.version.is_empty() {
                    c.insert("version".into(), json!(p.version));
                }
                if let Some(purl) = p.purl.as_deref().filter(|u| u.starts_with("pkg:")) {
                    c.insert("purl".into(), json!(purl));
                }
                Value::Object(c)
            });
        }
    }
    let mut vulns = Vec::new();
    if let Some(v) = &r.vulnerabilities {
        for f in &v.findings {
            let mut o = Map::new();
            o.insert(
                "bom-ref".into(),
                json!(format!("vuln:{}:{}", f.id, f.package.bom_ref)),
            );
            o.insert("id".into(), json!(f.id));
            o.insert("source".into(), json!({"name": source_name(&f.id)}));
            if !f.aliases.is_empty() {
                let refs: Vec<Value> = f
                    .aliases
                    .iter()
                    .map(|a| json!({"id": a, "source": {"name": source_name(a)}}))
                    .collect();
                o.insert("references".into(), Value::Array(refs));
            }
            let ratings: Vec<Value> = match &f.rating {
                Some(rt) => {
                    let mut m = Map::new();
                    if let Some(sc) = rt.score {
                        m.insert("score".into(), json!(sc));
                    }
                    m.insert("severity".into(), json!(cdx_severity(rt.severity)));
                    m.insert("method".into(), json!(cdx_method(rt.method)));
                    if let Some(vec) = &rt.vector {
                        m.insert("vector".into(), json!(vec));
                    }
                    vec![Value::Object(m)]
                }
                None => vec![json!({"severity": "unknown"})],
            };
            o.insert("ratings".into(), Value::Array(ratings));
            if let Some(s) = &f.summary {
                o.insert("description".into(), json!(s));
            }
            if let Some(fx) = &f.fixed {
                o.insert(
                    "recommendation".into(),
                    json!(format!("Upgrade {} to {} or later", f.package.name, fx)),
                );
            }
            let adv: Vec<Value> = f
                .references
                .iter()
                .filter(|x| is_web_url(&x.url))
                .map(|x| json!({"url": x.url}))
                .collect();
            if !adv.is_empty() {
                o.insert("advisories".into(), Value::Array(adv));
            }
            let mut versions = vec![json!({"version": f.package.version, "status": "affected"})];
            if let Some(fx) = &f.fixed {
                versions.push(json!({"version": fx, "status": "unaffected"}));
            }
            o.insert(
                "affects".into(),
                json!([{"ref": f.package.bom_ref, "versions": versions}]),
            );
            cdx_analysis(f, &mut o);
            vulns.push(Value::Object(o));
        }
    }
    let single = sboms.len() == 1;
    let subject_type = if single { "container" } else { "application" };
    let doc = json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "tools": {"components": [{
                "type": "application",
                "name": sbom_model::TOOL_NAME,
                "version": sbom_model::TOOL_VERSION
            }]},
            "component": {
                "type": subject_type,
                "bom-ref": "audit-subject",
                "name": if r.target.is_empty() { "audit" } else { r.target.as_str() }
            }
        },
        "components": components.into_values().collect::<Vec<_>>(),
        "vulnerabilities": vulns
    });
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}

/// `analysis` of a finding: the ignore entry or VEX statement that decided it.
fn cdx_analysis(f: &Finding, o: &mut Map<String, Value>) {
    let mut a = Map::new();
    let mut props = Vec::new();
    if let Some(s) = &f.ignored {
        a.insert("state".into(), json!(s.state));
        if let Some(j) = &s.justification {
            a.insert("justification".into(), json!(j));
        }
        a.insert("detail".into(), json!(s.reason));
        if let Some(e) = &s.expires {
            props.push(json!({"name": "sbom:ignore:expires", "value": e}));
        }
    } else if let Some(x) = &f.vex {
        let state = match x.status {
            crate::vex::VexStatus::Affected => "exploitable",
            _ => "in_triage",
        };
        a.insert("state".into(), json!(state));
        if let Some(d) = &x.statement {
            a.insert("detail".into(), json!(d));
        }
    }
    if let Some(x) = &f.vex {
        if let Some(t) = &x.timestamp {
            a.insert("lastUpdated".into(), json!(t));
        }
        props.push(json!({"name": "sbom:vex:status", "value": x.status.as_str()}));
        props.push(json!({"name": "sbom:vex:source", "value": x.source}));
        for s in &x.superseded {
            props.push(json!({"name": "sbom:vex:superseded", "value": s}));
        }
    } else if let Some(src) = f.ignored.as_ref().and_then(|s| s.source.as_ref()) {
        props.push(json!({"name": "sbom:ignore:source", "value": src}));
    }
    if !a.is_empty() {
        o.insert("analysis".into(), Value::Object(a));
    }
    if !props.is_empty() {
        o.insert("properties".into(), Value::Array(props));
    }
}

fn source_name(id: &str) -> &'static str {
    if id.starts_with("CVE-") {
        "NVD"
    } else if id.starts_with("GHSA-") {
        "GitHub"
    } else if id.starts_with("PYSEC-") {
        "PyPA"
    } else if id.starts_with("DSA-") || id.starts_with("DLA-") || id.starts_with("DEBIAN-") {
        "Debian"
    } else {
        "OSV"
    }
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Unknown => "note",
    }
}

/// Makes a relative URI reference from a path or label (no scheme, no spaces).
fn uri_ref(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.trim_start_matches('/').bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    if out.is_empty() {
        "sbom".into()
    } else {
        out
    }
}

/// SARIF 2.1.0: one rule per vulnerability id, one result per finding; ignored findings
/// carry an accepted external suppression.
pub fn to_sarif(r: &AuditReport) -> Result<String, AuditError> {
    let mut rules: BTreeMap<String, Value> = BTreeMap::new();
    let findings: Vec<&Finding> = r
        .vulnerabilities
        .iter()
        .flat_map(|v| v.findings.iter())
        .collect();
    for f in &findings {
        rules.entry(f.id.clone()).or_insert_with(|| {
            let mut props = Map::new();
            props.insert("tags".into(), json!(["security", "vulnerability"]));
            if let Some(sc) = f.rating.as_ref().and_then(|x| x.score) {
                props.insert("security-severity".into(), json!(format!("{sc:.1}")));
            }
            let mut rule = Map::new();
            rule.insert("id".into(), json!(f.id));
            rule.insert(
                "shortDescription".into(),
                json!({"text": f.summary.clone().unwrap_or_else(|| f.id.clone())}),
            );
            if let Some(u) = f.references.iter().map(|x| &x.url).find(|u| is_web_url(u)) {
                rule.insert("helpUri".into(), json!(u));
            }
            rule.insert(
                "defaultConfiguration".into(),
                json!({"level": sarif_level(f.severity)}),
            );
            rule.insert("properties".into(), Value::Object(props));
            Value::Object(rule)
        });
    }
    let index: BTreeMap<String, usize> = rules
        .keys()
        .enumerate()
        .map(|(i, k)| (k.clone(), i))
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let mut text = format!(
                "{} {} is affected by {}",
                f.package.name, f.package.version, f.id
            );
            if !f.aliases.is_empty() {
                let _ = write!(text, " ({})", f.aliases.join(", "));
            }
            match &f.fixed {
                Some(fx) => {
                    let _ = write!(text, "; fixed in {fx}");
                }
                None => text.push_str("; no fix known"),
            }
            let _ = write!(text, " [{}]", f.severity);
            let uri = f
                .package
                .location
                .clone()
                .or_else(|| f.sboms.first().cloned())
                .unwrap_or_else(|| r.target.clone());
            let mut res = Map::new();
            res.insert("ruleId".into(), json!(f.id));
            res.insert("ruleIndex".into(), json!(index.get(&f.id).copied().unwrap_or(0)));
            res.insert("level".into(), json!(sarif_level(f.severity)));
            res.insert("message".into(), json!({"text": text}));
            res.insert(
                "locations".into(),
                json!([{
                    "physicalLocation": {"artifactLocation": {"uri": uri_ref(&uri)}},
                    "logicalLocations": [{
                        "name": f.package.name,
                        "fullyQualifiedName": f.package.purl.clone().unwrap_or_else(|| f.package.bom_ref.clone()),
                        "kind": "package"
                    }]
                }]),
            );
            res.insert(
                "partialFingerprints".into(),
                json!({"packageVulnerability/v1": format!("{}|{}", f.package.bom_ref, f.id)}),
            );
            if let Some(s) = &f.ignored {
                let why = match &s.source {
                    Some(src) => format!("{} ({}: {src})", s.reason, s.state),
                    None => s.reason.clone(),
                };
                res.insert(
                    "suppressions".into(),
                    json!([{"kind": "external", "status": "accepted", "justification": why}]),
                );
            }
            let mut props = Map::new();
            if let Some(x) = &f.vex {
                props.insert("vexStatus".into(), json!(x.status.as_str()));
                props.insert("vexSource".into(), json!(x.source));
                if let Some(st) = &x.statement {
                    props.insert("vexStatement".into(), json!(st));
                }
            }
            props.insert("sboms".into(), json!(f.sboms));
            if let Some(fx) = &f.fixed {
                props.insert("fixedVersion".into(), json!(fx));
            }
            res.insert("properties".into(), Value::Object(props));
            Value::Object(res)
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": sbom_model::TOOL_NAME,
                "version": sbom_model::TOOL_VERSION,
                "rules": rules.into_values().collect::<Vec<_>>()
            }},
            "results": results
        }]
    });
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::{AffectedPackage, MatchStats, Suppression};
    use sbom_model::Ecosystem;

    fn finding(name: &str, id: &str, sev: Severity, sboms: &[&str]) -> Finding {
        Finding {
            id: id.into(),
            aliases: vec![format!("PYSEC-{id}")],
            records: vec![],
            package: AffectedPackage {
                bom_ref: format!("pkg:pypi/{name}@1.0"),
                ecosystem: Ecosystem::Pypi,
                name: name.into(),
                version: "1.0".into(),
                purl: Some(format!("pkg:pypi/{name}@1.0")),
                matched_name: name.into(),
                matched_version: "1.0".into(),
                location: None,
                site_root: None,
            },
            sboms: sboms.iter().map(|s| s.to_string()).collect(),
            severity: sev,
            rating: None,
            fixed: Some("1.1".into()),
            summary: None,
            references: vec![],
            ignored: None,
            vex: None,
        }
    }

    #[test]
    fn long_cells_are_clipped() {
        assert_eq!(clip("abcdef", 6), "abcdef");
        assert_eq!(clip("abcdefg", 6), "abc...");
        assert_eq!(clip("ééééééé", 6).chars().count(), 6);
    }

    #[test]
    fn table_tells_venv_and_system_copies_apart() {
        let mut venv = finding("pip", "CVE-3", Severity::Low, &["img"]);
        venv.package.site_root = Some("venv/site-packages".into());
        let mut system = venv.clone();
        system.package.bom_ref.push_str("#abc");
        system.package.site_root = Some("usr/lib/python3/dist-packages".into());
        let other = finding("idna", "CVE-4", Severity::Low, &["img"]);
        let r = AuditReport {
            sboms: vec!["img".into()],
            vulnerabilities: Some(VulnReport {
                findings: vec![venv, system, other],
                ..VulnReport::default()
            }),
            ..AuditReport::default()
        };
        let t = to_table(&r);
        assert!(t.contains("pip [venv/site-packages]"), "{t}");
        assert!(t.contains("pip [usr/lib/python3/dist-packages]"), "{t}");
        assert!(t.lines().any(|l| l.starts_with("idna ")), "{t}");
    }

    #[test]
    fn table_lists_active_then_ignored_and_images_for_releases() {
        let mut ignored = finding("b", "CVE-2", Severity::Low, &["img1"]);
        ignored.ignored = Some(Suppression {
            reason: "accepted".into(),
            expires: Some("2030-01-01".into()),
            state: "not_affected".into(),
            justification: None,
            source: None,
        });
        let r = AuditReport {
            target: "release".into(),
            sboms: vec!["img1".into(), "img2".into()],
            vulnerabilities: Some(VulnReport {
                findings: vec![
                    finding("a", "CVE-1", Severity::High, &["img1", "img2"]),
                    ignored,
                ],
                stats: MatchStats::default(),
                ..VulnReport::default()
            }),
            ..AuditReport::default()
        };
        let t = to_table(&r);
        let lines: Vec<&str> = t.lines().collect();
        let header = lines
            .iter()
            .position(|l| l.starts_with("PACKAGE"))
            .expect("header");
        assert!(lines[header].ends_with("IMAGES"), "{t}");
        assert!(lines[header + 1].starts_with("a "), "{t}");
        assert!(lines[header + 1].contains("CVE-1 (PYSEC-CVE-1)"), "{t}");
        assert!(lines[header + 1].contains("img1, img2"), "{t}");
        assert!(t.contains("Ignored:"), "{t}");
        assert!(
            t.contains("Vulnerabilities: 1 in 1 package(s) (1 ignored)"),
            "{t}"
        );
        assert!(t.contains("accepted"), "{t}");
        assert!(r.fails(Some(Severity::High)));
        assert!(!r.fails(Some(Severity::Critical)));
    }
}
