//! SBOM quality: NTIA minimum elements and field coverage, per ecosystem.
//!
//! Per package the NTIA elements are supplier, name, version and a unique identifier
//! (purl); per document the author (a tool counts, as in the CycloneDX mapping),
//! timestamp and dependency relationships. The score (0-100) weighs
//! 40% packages meeting all NTIA package elements, 20% the three document elements and
//! 40% the mean coverage of purl, license, supplier and checksum.
use std::collections::BTreeMap;

use sbom_model::{Package, Sbom};
use serde::Serialize;

use crate::matcher::{package_ref, sbom_label};

/// Counts of packages having each field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub packages: usize,
    pub purl: usize,
    pub license: usize,
    pub supplier: usize,
    pub checksum: usize,
    pub version: usize,
    /// Packages with every NTIA package element.
    pub ntia: usize,
}

impl Coverage {
    fn add(&mut self, p: &Package) {
        self.packages += 1;
        self.purl += usize::from(has_purl(p));
        self.license += usize::from(!p.licenses.is_empty());
        self.supplier += usize::from(has_supplier(p));
        self.checksum += usize::from(!p.checksums.is_empty());
        self.version += usize::from(!p.version.trim().is_empty());
        self.ntia += usize::from(ntia_missing(p).is_empty());
    }

    fn fraction(&self, n: usize) -> f64 {
        if self.packages == 0 {
            0.0
        } else {
            n as f64 / self.packages as f64
        }
    }

    /// Percentages (0-100, one decimal) of purl, license, supplier, checksum, NTIA.
    pub fn percent(&self) -> [f64; 5] {
        [
            self.purl,
            self.license,
            self.supplier,
            self.checksum,
            self.ntia,
        ]
        .map(|n| (self.fraction(n) * 1000.0).round() / 10.0)
    }
}

fn has_purl(p: &Package) -> bool {
    p.purl.as_deref().is_some_and(|u| u.starts_with("pkg:"))
}

fn has_supplier(p: &Package) -> bool {
    p.supplier.as_deref().is_some_and(|s| !s.trim().is_empty())
}

/// The NTIA package elements a package lacks.
pub fn ntia_missing(p: &Package) -> Vec<&'static str> {
    let mut m = Vec::new();
    if !has_supplier(p) {
        m.push("supplier");
    }
    if p.name.trim().is_empty() {
        m.push("name");
    }
    if p.version.trim().is_empty() {
        m.push("version");
    }
    if !has_purl(p) {
        m.push("unique identifier");
    }
    m
}

/// NTIA document elements.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DocumentElements {
    pub author: bool,
    pub timestamp: bool,
    pub dependencies: bool,
}

/// A package lacking NTIA elements.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NtiaGap {
    pub bom_ref: String,
    pub name: String,
    pub version: String,
    pub missing: Vec<&'static str>,
}

/// The quality of one SBOM.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QualityReport {
    pub sbom: String,
    pub document: DocumentElements,
    pub overall: Coverage,
    /// Keyed by ecosystem name (`deb`, `pypi`, ...).
    pub per_ecosystem: BTreeMap<String, Coverage>,
    pub gaps: Vec<NtiaGap>,
    /// 0-100.
    pub score: u8,
}

/// Scores one SBOM.
pub fn quality(sbom: &Sbom) -> QualityReport {
    let mut overall = Coverage::default();
    let mut per: BTreeMap<String, Coverage> = BTreeMap::new();
    let mut gaps = Vec::new();
    for p in &sbom.packages {
        overall.add(p);
        per.entry(p.ecosystem.as_str().to_string())
            .or_default()
            .add(p);
        let missing = ntia_missing(p);
        if !missing.is_empty() {
            gaps.push(NtiaGap {
                bom_ref: package_ref(p),
                name: p.name.clone(),
                version: p.version.clone(),
                missing,
            });
        }
    }
    gaps.sort_by(|a, b| (&a.name, &a.bom_ref).cmp(&(&b.name, &b.bom_ref)));
    let document = DocumentElements {
        author: !sbom.tools.is_empty(),
        timestamp: sbom
            .created
            .as_deref()
            .is_some_and(|t| !t.trim().is_empty()),
        dependencies: sbom.packages.is_empty() || !sbom.relationships.is_empty(),
    };
    let doc = [document.author, document.timestamp, document.dependencies]
        .iter()
        .filter(|b| **b)
        .count() as f64
        / 3.0;
    let cov = (overall.fraction(overall.purl)
        + overall.fraction(overall.license)
        + overall.fraction(overall.supplier)
        + overall.fraction(overall.checksum))
        / 4.0;
    let raw = 100.0 * (0.4 * overall.fraction(overall.ntia) + 0.2 * doc + 0.4 * cov);
    let score = raw.round().clamp(0.0, 100.0) as u8;
    QualityReport {
        sbom: sbom_label(sbom),
        document,
        overall,
        per_ecosystem: per,
        gaps,
        score,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sbom_model::{Checksum, Ecosystem, HashAlgorithm, License};

    fn complete(eco: Ecosystem, name: &str) -> Package {
        let mut p = Package::new(eco, name, "1.0");
        p.supplier = Some("Someone".into());
        p.licenses = vec![License::Spdx("MIT".into())];
        p.checksums = vec![Checksum {
            algorithm: HashAlgorithm::Sha256,
            value: "00".into(),
        }];
        p
    }

    #[test]
    fn complete_sbom_scores_100() {
        let mut s = Sbom {
            packages: vec![
                complete(Ecosystem::Deb, "a"),
                complete(Ecosystem::Pypi, "b"),
            ],
            created: Some("2024-01-01T00:00:00Z".into()),
            ..Sbom::default()
        };
        s.finalize();
        let q = quality(&s);
        assert_eq!(q.score, 100);
        assert!(q.gaps.is_empty());
        assert_eq!(q.per_ecosystem.len(), 2);
    }

    #[test]
    fn missing_fields_lower_the_score_per_ecosystem() {
        let mut bare = Package::new(Ecosystem::Pypi, "bare", "");
        bare.purl = Some("not a purl".into());
        let mut s = Sbom {
            packages: vec![complete(Ecosystem::Deb, "a"), bare],
            ..Sbom::default()
        };
        s.finalize();
        let q = quality(&s);
        assert!(!q.document.timestamp);
        assert!(q.document.author, "finalize records our tool");
        let py = &q.per_ecosystem["pypi"];
        assert_eq!((py.packages, py.purl, py.license, py.ntia), (1, 0, 0, 0));
        let deb = &q.per_ecosystem["deb"];
        assert_eq!(
            (deb.packages, deb.purl, deb.supplier, deb.ntia),
            (1, 1, 1, 1)
        );
        assert_eq!(q.gaps.len(), 1);
        assert_eq!(
            q.gaps[0].missing,
            vec!["supplier", "version", "unique identifier"]
        );
        // 0.4*0.5 + 0.2*(2/3) + 0.4*0.5 = 0.5333
        assert_eq!(q.score, 53);
        assert_eq!(q.overall.percent()[0], 50.0);
    }

    #[test]
    fn empty_sbom_does_not_divide_by_zero() {
        let q = quality(&Sbom::default());
        assert_eq!(q.overall.packages, 0);
        assert!(q.score <= 100);
    }
}
