//! Severity levels and ratings taken from CVSS vectors or a database's own words.
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Qualitative severity, ordered from least to most severe.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// No rating in the record.
    #[default]
    Unknown,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// Upper-case name (`HIGH`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Unknown => "UNKNOWN",
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }

    /// The CVSS qualitative scale for a score (0.1-3.9 low, 4-6.9 medium, 7-8.9 high, 9+ critical).
    pub fn from_score(score: f64) -> Severity {
        if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else if score > 0.0 {
            Severity::Low
        } else {
            Severity::Unknown
        }
    }

    /// Interprets a database's own word for severity (`moderate`, `important`, `negligible`).
    pub fn from_word(word: &str) -> Option<Severity> {
        Some(match word.trim().to_ascii_lowercase().as_str() {
            "critical" => Severity::Critical,
            "high" | "important" => Severity::High,
            "medium" | "moderate" => Severity::Medium,
            "low" | "negligible" | "unimportant" | "minor" => Severity::Low,
            _ => return None,
        })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for an unknown severity name.
#[derive(Debug, thiserror::Error)]
#[error("unknown severity `{0}` (expected low, medium, high or critical)")]
pub struct UnknownSeverity(pub String);

impl FromStr for Severity {
    type Err = UnknownSeverity;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("unknown") {
            return Ok(Severity::Unknown);
        }
        Severity::from_word(s).ok_or_else(|| UnknownSeverity(s.to_string()))
    }
}

/// How a rating was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RatingMethod {
    #[serde(rename = "CVSSv2")]
    CvssV2,
    #[serde(rename = "CVSSv3")]
    CvssV3,
    #[serde(rename = "CVSSv31")]
    CvssV31,
    #[serde(rename = "CVSSv4")]
    CvssV4,
    /// The database's own word (`database_specific.severity` and similar).
    #[serde(rename = "other")]
    Other,
}

/// A severity with where it came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rating {
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vector: Option<String>,
    pub method: RatingMethod,
}

impl Rating {
    /// Rates a CVSS vector string (`CVSS:3.1/...`, `CVSS:4.0/...`, or a bare v2 vector).
    /// Returns `None` when the vector does not parse.
    pub fn from_cvss(vector: &str) -> Option<Rating> {
        let v = vector.trim();
        let parsed: cvss::Cvss = v.parse().ok()?;
        let method = match parsed {
            cvss::Cvss::CvssV20(_) => RatingMethod::CvssV2,
            cvss::Cvss::CvssV30(_) => RatingMethod::CvssV3,
            cvss::Cvss::CvssV31(_) => RatingMethod::CvssV31,
            cvss::Cvss::CvssV40(_) => RatingMethod::CvssV4,
            _ => return None,
        };
        let score = parsed.score();
        if !score.is_finite() {
            return None;
        }
        Some(Rating {
            severity: Severity::from_score(score),
            score: Some(score),
            vector: Some(v.to_string()),
            method,
        })
    }

    /// A rating from a database's own word.
    pub fn from_word(word: &str) -> Option<Rating> {
        Some(Rating {
            severity: Severity::from_word(word)?,
            score: None,
            vector: None,
            method: RatingMethod::Other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cvss_v31_vector_scores_high() {
        let r = Rating::from_cvss("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N").expect("parses");
        assert_eq!(r.method, RatingMethod::CvssV31);
        assert_eq!(r.score, Some(8.1));
        assert_eq!(r.severity, Severity::High);
    }

    #[test]
    fn cvss_v31_critical_vector() {
        let r = Rating::from_cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").expect("parses");
        assert_eq!(r.score, Some(9.8));
        assert_eq!(r.severity, Severity::Critical);
    }

    #[test]
    fn cvss_v4_vector_is_rated() {
        let r =
            Rating::from_cvss("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
                .expect("parses");
        assert_eq!(r.method, RatingMethod::CvssV4);
        assert_eq!(r.severity, Severity::Critical);
    }

    #[test]
    fn garbage_vector_is_none() {
        assert!(Rating::from_cvss("CVSS:3.1/AV:X").is_none());
        assert!(Rating::from_cvss("").is_none());
    }

    #[test]
    fn words_and_scores_map_to_levels() {
        assert_eq!(Severity::from_word("Moderate"), Some(Severity::Medium));
        assert_eq!(Severity::from_word("important"), Some(Severity::High));
        assert_eq!(Severity::from_word("whatever"), None);
        assert_eq!(Severity::from_score(3.9), Severity::Low);
        assert_eq!(Severity::from_score(4.0), Severity::Medium);
        assert_eq!(Severity::from_score(7.0), Severity::High);
        assert_eq!(Severity::from_score(9.0), Severity::Critical);
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Unknown);
        assert_eq!("HIGH".parse::<Severity>().ok(), Some(Severity::High));
    }
}
