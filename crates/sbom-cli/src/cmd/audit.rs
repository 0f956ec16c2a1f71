//! `sbom audit TARGET`: known vulnerabilities from an offline OSV database, license
//! policy, what the build proxy saw that no SBOM lists, and SBOM quality.
//!
//! The caller provides `load`, which turns TARGET (an SBOM file, a release folder, an
//! image) into SBOMs. This module reads the audit inputs, runs `sbom-audit`, renders,
//! writes and decides the exit code: 0, or 1 when `--fail-on` is reached or the license
//! policy is broken. Errors are returned for the caller to print.
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use sbom_audit::report::{self, AuditReport, OsvSummary};
use sbom_audit::{IgnoreList, LicensePolicy, OsvDatabase, Severity, VexSet};

/// Output format of `sbom audit`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuditFormat {
    /// Tables for people.
    #[default]
    Table,
    /// The whole report as JSON.
    Json,
    /// CycloneDX 1.6 JSON with a `vulnerabilities` section (VEX-ready).
    Cyclonedx,
    /// SARIF 2.1.0 for code-scanning dashboards.
    Sarif,
    /// OpenVEX 0.2: every finding as a statement (ignored ones not_affected or fixed
    /// with their reason, untriaged ones under_investigation).
    Openvex,
    /// SPDX 3.0.1 JSON-LD: the SBOM with the Security profile (vulnerabilities, CVSS,
    /// VEX assessments).
    #[value(name = "spdx3-json")]
    Spdx3Json,
}

#[derive(clap::Args, Debug, Clone)]
pub struct AuditArgs {
    /// An SBOM file, a release folder of SBOMs, or an image (scanned on the fly).
    pub target: String,
    /// OSV data: a folder of OSV JSON files (searched recursively; a folder without JSON
    /// files loads the `.zip` exports under it) or an OSV `all.zip` export. Repeatable.
    #[arg(long = "osv", value_name = "DIR|ZIP")]
    pub osv: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AuditFormat::Table)]
    pub format: AuditFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with 1 when a finding that is not ignored has at least this severity
    /// (low, medium, high, critical).
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,
    /// Accepted findings (YAML or JSON: id, package, reason, expires): the simple
    /// local form of VEX.
    #[arg(long, value_name = "FILE")]
    pub ignore: Option<PathBuf>,
    /// VEX document (OpenVEX 0.2, CycloneDX 1.4-1.7 VEX, CSAF 2.0 VEX). Repeatable.
    /// not_affected and fixed suppress a finding (kept in the report with the reason
    /// and source); affected and under_investigation are shown as such; when
    /// statements disagree, the latest timestamp wins.
    #[arg(long = "vex", value_name = "FILE")]
    pub vex: Vec<PathBuf>,
    /// Author named in `--format openvex` output.
    #[arg(long, value_name = "NAME", default_value = "Unknown Author")]
    pub vex_author: String,
    /// License policy (YAML or JSON: allow and deny lists of SPDX ids). Violations make
    /// the exit code 1.
    #[arg(long, value_name = "FILE")]
    pub license_policy: Option<PathBuf>,
    /// Build proxy access log (squid native, or common/combined log format).
    #[arg(long, value_name = "FILE")]
    pub proxy_log: Option<PathBuf>,
    /// Score each SBOM on NTIA minimum elements and field coverage.
    #[arg(long)]
    pub quality: bool,
    /// The day ignore entries are checked against (YYYY-MM-DD; default: today, UTC).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
}

fn today(args: &AuditArgs) -> Result<jiff::civil::Date> {
    match &args.as_of {
        Some(d) => d
            .parse()
            .with_context(|| format!("--as-of `{d}` is not a date YYYY-MM-DD")),
        None => Ok(jiff::Timestamp::now()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date()),
    }
}

/// Builds the report (no output, no exit code): the testable core of `run`.
pub fn build_report(
    args: &AuditArgs,
    sboms: &[sbom_model::Sbom],
    log: &mut dyn FnMut(String),
) -> Result<AuditReport> {
    if args.osv.is_empty()
        && args.license_policy.is_none()
        && args.proxy_log.is_none()
        && !args.quality
    {
        bail!("nothing to audit: give --osv, --license-policy, --proxy-log or --quality");
    }
    if args.ignore.is_some() && args.osv.is_empty() {
        bail!("--ignore needs --osv (it accepts vulnerability findings)");
    }
    if !args.vex.is_empty() && args.osv.is_empty() {
        bail!("--vex needs --osv (its statements are about vulnerability findings)");
    }
    let mut report = AuditReport {
        target: args.target.clone(),
        sboms: sboms.iter().map(sbom_audit::matcher::sbom_label).collect(),
        ..AuditReport::default()
    };
    if !args.osv.is_empty() {
        let ignore = match &args.ignore {
            Some(p) => IgnoreList::load(p)?,
            None => IgnoreList::default(),
        };
        let vex = VexSet::load(&args.vex)?;
        let day = today(args)?;
        let t = Instant::now();
        let db = OsvDatabase::load(&args.osv).context("loading OSV data")?;
        log(format!(
            "OSV: {} records ({} withdrawn skipped) from {} files in {:.2} s",
            db.stats.records,
            db.stats.withdrawn,
            db.stats.files,
            t.elapsed().as_secs_f64()
        ));
        if let Some(w) = db.warnings.first() {
            log(format!(
                "warning: {} OSV file(s) skipped, first: {}: {}",
                db.warnings.len(),
                w.source,
                w.message
            ));
        }
        let mut vulns = sbom_audit::audit(sboms, &db);
        // VEX first: a local ignore entry still accepts what a VEX document calls affected.
        vex.apply(&mut vulns, sboms);
        ignore.apply(&mut vulns, day);
        if !args.vex.is_empty() {
            let decided = vulns.findings.iter().filter(|f| f.vex.is_some()).count();
            log(format!(
                "VEX: {} statement(s) from {} document(s); {decided} finding(s) have a VEX status",
                vex.statements.len(),
                args.vex.len()
            ));
        }
        for e in &vulns.expired_ignores {
            log(format!(
                "warning: ignore entry {} expired on {}; it no longer ignores anything",
                e.id,
                e.expires.as_deref().unwrap_or("?")
            ));
        }
        report.osv = Some(OsvSummary {
            stats: db.stats.clone(),
            warnings: db.warnings.clone(),
        });
        report.vulnerabilities = Some(vulns);
    }
    if let Some(p) = &args.license_policy {
        let policy = LicensePolicy::load(p)?;
        report.licenses = Some(policy.check(sboms));
    }
    if let Some(p) = &args.proxy_log {
        let bytes = fs_err::read(p)?;
        let text = String::from_utf8_lossy(&bytes);
        let (requests, warnings) = sbom_audit::proxy::parse_log(&text);
        if requests.is_empty() {
            bail!(
                "{}: no request line in squid native or common/combined log format",
                p.display()
            );
        }
        report.proxy = Some(sbom_audit::proxy::reconcile(&requests, warnings, sboms));
    }
    if args.quality {
        report.quality = sboms.iter().map(sbom_audit::quality).collect();
    }
    Ok(report)
}

/// Renders the report in the chosen format.
pub fn render(
    args: &AuditArgs,
    report: &AuditReport,
    sboms: &[sbom_model::Sbom],
) -> Result<String> {
    Ok(match args.format {
        AuditFormat::Table => report::to_table(report),
        AuditFormat::Json => report::to_json(report)?,
        AuditFormat::Cyclonedx => report::to_cyclonedx(report, sboms)?,
        AuditFormat::Sarif => report::to_sarif(report)?,
        AuditFormat::Openvex => sbom_audit::vex::to_openvex(
            report,
            sboms,
            &args.vex_author,
            &crate::output::created_timestamp()?,
        )?,
        AuditFormat::Spdx3Json => spdx3(report, sboms)?,
    })
}

/// One SBOM for the SPDX 3 output: the audited one, or the packages of every image of
/// a release under one subject named after the target.
fn merged(report: &AuditReport, sboms: &[sbom_model::Sbom]) -> sbom_model::Sbom {
    if let [one] = sboms {
        return one.clone();
    }
    let mut m = sbom_model::Sbom::default();
    m.subject.kind = sbom_model::SubjectKind::Declared;
    m.subject.name = report.target.clone();
    m.subject.reference = report.target.clone();
    m.created = sboms.iter().find_map(|s| s.created.clone());
    let mut seen = std::collections::BTreeSet::new();
    for s in sboms {
        for p in &s.packages {
            if seen.insert(p.id.clone()) {
                m.packages.push(p.clone());
            }
        }
        m.relationships.extend(s.relationships.iter().cloned());
    }
    m.relationships.sort();
    m.relationships.dedup();
    m
}

fn cvss_of(f: &sbom_audit::Finding) -> Option<sbom_format::spdx3::Cvss> {
    use sbom_audit::severity::RatingMethod;
    let r = f.rating.as_ref()?;
    let version = match r.method {
        RatingMethod::CvssV3 | RatingMethod::CvssV31 => 3,
        RatingMethod::CvssV4 => 4,
        _ => return None,
    };
    let severity = match r.severity {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Unknown => return None,
    };
    Some(sbom_format::spdx3::Cvss {
        version,
        score: r.score?,
        severity: severity.into(),
        vector: r.vector.clone()?,
    })
}

/// SPDX 3.0.1 with the Security profile.
fn spdx3(report: &AuditReport, sboms: &[sbom_model::Sbom]) -> Result<String> {
    use sbom_format::spdx3::{VexInput, VexStatus as S, VulnInput};
    let sbom = merged(report, sboms);
    let findings = report
        .vulnerabilities
        .iter()
        .flat_map(|v| v.findings.iter());
    let vulns: Vec<VulnInput> = findings
        .map(|f| {
            let vex = (f.vex.is_some() || f.ignored.is_some()).then(|| {
                let (status, justification, statement) = sbom_audit::vex::published_status(f);
                VexInput {
                    status: match status {
                        sbom_audit::vex::VexStatus::NotAffected => S::NotAffected,
                        sbom_audit::vex::VexStatus::Affected => S::Affected,
                        sbom_audit::vex::VexStatus::Fixed => S::Fixed,
                        sbom_audit::vex::VexStatus::UnderInvestigation => S::UnderInvestigation,
                    },
                    justification,
                    statement,
                    time: f.vex.as_ref().and_then(|v| v.timestamp.clone()),
                }
            });
            VulnInput {
                id: f.id.clone(),
                aliases: f.aliases.clone(),
                summary: f.summary.clone(),
                package_id: f.package.bom_ref.clone(),
                cvss: cvss_of(f),
                vex,
            }
        })
        .collect();
    let bytes = sbom_format::spdx3::write_json_with_vulnerabilities(&sbom, &vulns)?;
    String::from_utf8(bytes).context("SPDX 3 output is not UTF-8")
}

/// Runs `sbom audit`; returns the exit code (0, or 1 when the gate fails).
pub fn run(
    args: &AuditArgs,
    load: &dyn Fn(&str) -> anyhow::Result<Vec<sbom_model::Sbom>>,
) -> Result<i32> {
    let sboms = load(&args.target).with_context(|| format!("loading `{}`", args.target))?;
    if sboms.is_empty() {
        bail!("`{}` holds no SBOM", args.target);
    }
    let report = build_report(args, &sboms, &mut |line| eprintln!("{line}"))?;
    let text = render(args, &report, &sboms)?;
    match &args.output {
        Some(path) => fs_err::write(path, text.as_bytes())?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .context("writing to standard output")?;
        }
    }
    Ok(i32::from(report.fails(args.fail_on)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use sbom_model::{Distro, Ecosystem, License, Package, Sbom};

    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        audit: AuditArgs,
    }

    fn args(argv: &[&str]) -> AuditArgs {
        let mut full = vec!["sbom-audit"];
        full.extend_from_slice(argv);
        Cli::try_parse_from(full).expect("valid arguments").audit
    }

    fn image() -> Sbom {
        let mut login = Package::new(Ecosystem::Deb, "login", "1:4.13+dfsg1-1");
        login.source_name = Some("shadow".into());
        login.licenses = vec![License::Spdx("GPL-2.0-or-later".into())];
        let mut yaml = Package::new(Ecosystem::Pypi, "PyYAML", "5.3");
        yaml.licenses = vec![License::Spdx("MIT".into())];
        let mut s = Sbom {
            distro: Some(Distro {
                id: "debian".into(),
                version_id: Some("12".into()),
                ..Distro::default()
            }),
            packages: vec![login, yaml],
            ..Sbom::default()
        };
        s.subject.name = "keystone".into();
        s.finalize();
        s
    }

    fn fixture() -> tempfile::TempDir {
        let d = tempfile::tempdir().expect("tempdir");
        let osv = d.path().join("osv");
        fs_err::create_dir_all(&osv).expect("mkdir");
        fs_err::write(
            osv.join("DEBIAN-CVE-2024-56433.json"),
            r#"{"id":"DEBIAN-CVE-2024-56433","aliases":["CVE-2024-56433"],"affected":[{"package":{"ecosystem":"Debian:12","name":"shadow"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}"#,
        )
        .expect("write");
        fs_err::write(
            osv.join("PYSEC-2021-142.json"),
            r#"{"id":"PYSEC-2021-142","aliases":["CVE-2020-14343"],"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],"affected":[{"package":{"ecosystem":"PyPI","name":"pyyaml"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"5.4"}]}]}]}"#,
        )
        .expect("write");
        fs_err::write(
            d.path().join("ignore.yaml"),
            "- id: CVE-2024-56433\n  reason: no interactive users\n  expires: 2030-01-01\n",
        )
        .expect("write");
        fs_err::write(d.path().join("policy.yaml"), "allow: [MIT]\n").expect("write");
        d
    }

    fn load(_: &str) -> anyhow::Result<Vec<Sbom>> {
        Ok(vec![image()])
    }

    #[test]
    fn fail_on_counts_only_findings_not_ignored() -> Result<()> {
        let d = fixture();
        let osv = d.path().join("osv");
        let out = d.path().join("out.txt");
        let base = |extra: &[&str]| {
            let mut v = vec![
                "img".to_string(),
                "--osv".into(),
                osv.display().to_string(),
                "--output".into(),
                out.display().to_string(),
                "--as-of".into(),
                "2025-01-01".into(),
            ];
            v.extend(extra.iter().map(|s| s.to_string()));
            v
        };
        let a = |extra: &[&str]| {
            let v = base(extra);
            args(&v.iter().map(String::as_str).collect::<Vec<_>>())
        };
        assert_eq!(run(&a(&["--fail-on", "critical"]), &load)?, 1);
        let text = fs_err::read_to_string(&out)?;
        assert!(text.contains("CVE-2020-14343 (PYSEC-2021-142)"), "{text}");
        assert!(text.contains("CVE-2024-56433"), "{text}");
        assert_eq!(run(&a(&["--fail-on", "high"]), &load)?, 1);
        // The only unfixed finding is unrated and ignored: a critical gate without PyYAML passes.
        let ign = d.path().join("ignore.yaml").display().to_string();
        let r = build_report(
            &a(&["--ignore", &ign]),
            &[Sbom {
                packages: vec![image().packages[0].clone()],
                distro: image().distro,
                ..Sbom::default()
            }],
            &mut |_| {},
        )?;
        assert!(!r.fails(Some(Severity::Low)));
        assert_eq!(run(&a(&[]), &load)?, 0, "no gate, no failure");
        Ok(())
    }

    #[test]
    fn license_violation_fails_and_unknown_is_listed() -> Result<()> {
        let d = fixture();
        let pol = d.path().join("policy.yaml").display().to_string();
        let r = build_report(
            &args(&["img", "--license-policy", &pol]),
            &[image()],
            &mut |_| {},
        )?;
        let l = r.licenses.as_ref().expect("license section");
        assert_eq!(l.violations.len(), 1);
        assert_eq!(l.violations[0].package.name, "login");
        assert!(r.fails(None));
        Ok(())
    }

    #[test]
    fn nothing_to_do_is_an_error() {
        let e = build_report(&args(&["img"]), &[image()], &mut |_| {}).unwrap_err();
        assert!(e.to_string().contains("nothing to audit"));
    }

    #[test]
    fn every_format_renders() -> Result<()> {
        let d = fixture();
        let osv = d.path().join("osv").display().to_string();
        for f in ["table", "json", "cyclonedx", "sarif"] {
            let a = args(&["img", "--osv", &osv, "--format", f, "--quality"]);
            let r = build_report(&a, &[image()], &mut |_| {})?;
            let text = render(&a, &r, &[image()])?;
            assert!(text.contains("CVE-2020-14343"), "{f}: {text}");
            if f != "table" {
                serde_json::from_str::<serde_json::Value>(&text)?;
            }
        }
        Ok(())
    }
}
