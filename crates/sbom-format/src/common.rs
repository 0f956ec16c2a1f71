//! Pieces shared by the writers and readers: timestamps, content-derived ids, the
//! `sbom:` property names and their mapping to and from the model.
use std::collections::BTreeMap;

use sbom_model::{
    Checksum, Distro, Ecosystem, HashAlgorithm, LayerRef, Origin, Package, Relationship,
    RelationshipKind, Sbom, Subject,
};

pub(crate) const P_LAYER_DIFF_ID: &str = "sbom:layer:diff_id";
pub(crate) const P_LAYER_INDEX: &str = "sbom:layer:index";
pub(crate) const P_LAYER_DIGEST: &str = "sbom:layer:digest";
pub(crate) const P_INTRO_DIFF_ID: &str = "sbom:introduced:diff_id";
pub(crate) const P_INTRO_INDEX: &str = "sbom:introduced:index";
pub(crate) const P_INTRO_DIGEST: &str = "sbom:introduced:digest";
pub(crate) const P_METADATA_PATH: &str = "sbom:metadata_path";
pub(crate) const P_SITE_ROOT: &str = "sbom:site_root";
pub(crate) const P_ARCH: &str = "sbom:arch";
pub(crate) const P_SOURCE_NAME: &str = "sbom:source_name";
pub(crate) const P_SOURCE_VERSION: &str = "sbom:source_version";
pub(crate) const P_INSTALLED_SIZE: &str = "sbom:installed_size";
pub(crate) const P_ECOSYSTEM: &str = "sbom:ecosystem";
pub(crate) const P_HOMEPAGE: &str = "sbom:homepage";
pub(crate) const P_DOWNLOAD_URL: &str = "sbom:download_url";
pub(crate) const P_DECLARED: &str = "sbom:declared";
pub(crate) const P_DECLARED_FILE: &str = "sbom:declared:file";
pub(crate) const P_DECLARED_LINE: &str = "sbom:declared:line";
pub(crate) const P_DECLARED_SCOPE: &str = "sbom:declared:scope";
pub(crate) const P_OWNED_BY: &str = "sbom:owned_by";
pub(crate) const P_DEPENDS: &str = "sbom:depends";

pub(crate) const P_DISTRO: &str = "sbom:distro";
pub(crate) const P_DISTRO_ID: &str = "sbom:distro:id";
pub(crate) const P_DISTRO_VERSION_ID: &str = "sbom:distro:version_id";
pub(crate) const P_DISTRO_CODENAME: &str = "sbom:distro:version_codename";
pub(crate) const P_DISTRO_PRETTY: &str = "sbom:distro:pretty_name";
pub(crate) const P_DISTRO_ID_LIKE: &str = "sbom:distro:id_like";

pub(crate) const P_SUBJECT_KIND: &str = "sbom:subject:kind";
pub(crate) const P_SUBJECT_REFERENCE: &str = "sbom:subject:reference";
pub(crate) const P_SUBJECT_NAME: &str = "sbom:subject:name";
pub(crate) const P_SUBJECT_TAG: &str = "sbom:subject:tag";
pub(crate) const P_SUBJECT_REPOSITORY: &str = "sbom:subject:repository";
pub(crate) const P_SUBJECT_MANIFEST: &str = "sbom:subject:manifest_digest";
pub(crate) const P_SUBJECT_CONFIG: &str = "sbom:subject:config_digest";
pub(crate) const P_SUBJECT_PLATFORM: &str = "sbom:subject:platform";
/// `sbom:subject:layer:N` = `DIFF_ID` or `DIFF_ID DIGEST`.
pub(crate) const P_SUBJECT_LAYER: &str = "sbom:subject:layer:";
/// `sbom:subject:created_by:N`: the command that made layer N (config history).
pub(crate) const P_SUBJECT_CREATED_BY: &str = "sbom:subject:created_by:";
/// Which layer digests the scan checked: `all`, `blobs` or `none` (`sbom scan --verify`).
pub(crate) const P_LAYERS_VERIFIED: &str = "sbom:layers:verified";

/// The document timestamp: `Sbom.created` when set (in UTC, fractional seconds
/// dropped, as SPDX wants `YYYY-MM-DDThh:mm:ssZ`), otherwise the current time.
/// A `created` that is not an RFC 3339 time is an error: no writer emits a document
/// its schema rejects.
pub fn document_timestamp(sbom: &Sbom) -> Result<String, crate::FormatError> {
    match &sbom.created {
        Some(c) => parse_rfc3339(c.trim())
            .map(rfc3339_utc)
            .ok_or_else(|| crate::FormatError::Timestamp(c.clone())),
        None => {
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            Ok(rfc3339_utc(secs))
        }
    }
}

/// A timestamp read from a document, kept only when it is an RFC 3339 time (so that
/// writing what was read never fails on it).
pub(crate) fn read_time(t: Option<&str>) -> Option<String> {
    let t = t?.trim();
    parse_rfc3339(t).map(|_| t.to_string())
}

/// An RFC 3339 time in UTC as `YYYY-MM-DDThh:mm:ssZ` (offsets applied, fractions
/// dropped). Text that is not RFC 3339 is returned as it is.
#[cfg(test)]
fn normalise_timestamp(t: &str) -> String {
    let t = t.trim();
    parse_rfc3339(t)
        .map(rfc3339_utc)
        .unwrap_or_else(|| t.to_string())
}

/// Seconds since the epoch of an RFC 3339 time (`2024-01-01T00:00:00.5+02:00`).
fn parse_rfc3339(t: &str) -> Option<u64> {
    let b = t.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = t.get(r)?;
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut rest = t.get(19..)?;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return None,
            };
            let o = rest.get(1..)?;
            if o.len() != 5 || o.as_bytes()[2] != b':' {
                return None;
            }
            let oh: i64 = o.get(0..2)?.parse().ok()?;
            let om: i64 = o.get(3..5)?.parse().ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + s - offset;
    u64::try_from(secs).ok()
}

/// Seconds since the epoch as `YYYY-MM-DDThh:mm:ssZ`.
pub(crate) fn rfc3339_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// A UUID derived from the document's content and timestamp: SHA-256 of our lossless
/// JSON (serial left out) and `timestamp`, shaped as an RFC 4122 name-based UUID
/// (version nibble 5, variant `10`) so that CycloneDX's serialNumber pattern accepts
/// it. The same SBOM with the same timestamp always gets the same UUID.
pub fn content_uuid(sbom: &Sbom, timestamp: &str) -> String {
    let mut copy = sbom.clone();
    copy.serial = None;
    let body = serde_json::to_vec(&copy).unwrap_or_default();
    let mut input = Vec::with_capacity(body.len() + timestamp.len() + 1);
    input.extend_from_slice(timestamp.as_bytes());
    input.push(0);
    input.extend_from_slice(&body);
    let h = sbom_model::sha256_hex(&input);
    let mut b: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap_or(0))
        .collect();
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex::encode(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

/// The tools to name as the document's creators: the SBOM's own list, with us first
/// when we are not in it (a document read from syft and written by us was made by
/// both).
pub(crate) fn writer_tools(sbom: &Sbom) -> Vec<sbom_model::Tool> {
    let mut tools = sbom.tools.clone();
    if !tools.iter().any(|t| t.name == sbom_model::TOOL_NAME) {
        tools.insert(0, sbom_model::Tool::default());
    }
    tools
}

/// Whether a document was written by us (our tool among its creators): then its
/// free-text license names are kept as written, not repaired.
pub(crate) fn written_by_us(tools: &[sbom_model::Tool]) -> bool {
    tools.iter().any(|t| t.name == sbom_model::TOOL_NAME)
}

/// A license read from a document. SPDX fields (ids, expressions) stay as written when
/// they are valid SPDX, and are repaired by [`License::from_declared`] otherwise. Free
/// text (CycloneDX `license.name`, SPDX extracted text) is repaired too in foreign
/// documents (syft writes `Apache License, Version 2.0` as a name), but in ours it is
/// what the scanner decided and stays free text, unless it is a valid SPDX expression
/// (our CycloneDX writer puts compound expressions there when free text is beside them).
pub(crate) fn read_license_text(
    text: &str,
    spdx_field: bool,
    ours: bool,
) -> Option<sbom_model::License> {
    use sbom_model::License;
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if spdx::Expression::parse(t).is_ok() {
        return Some(License::Spdx(t.to_string()));
    }
    if ours && !spdx_field {
        return Some(License::Named(t.to_string()));
    }
    License::from_declared(t)
}

/// Whether `s` is `urn:uuid:` + a UUID that CycloneDX accepts.
pub(crate) fn is_cdx_serial(s: &str) -> bool {
    let Some(u) = s.strip_prefix("urn:uuid:") else {
        return false;
    };
    let b = u.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            14 => (b'1'..=b'5').contains(c),
            19 => matches!(c, b'8' | b'9' | b'a' | b'b'),
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(c),
        })
}

/// The id (bom-ref) the subject gets in a written document: its purl, or
/// `subject:NAME`; never equal to a package id.
pub(crate) fn subject_ref(sbom: &Sbom) -> String {
    let base = sbom
        .subject
        .purl()
        .unwrap_or_else(|| format!("{}:{}", Subject::ID, subject_display_name(sbom)));
    let mut r = base.clone();
    let mut n = 1;
    while sbom.packages.iter().any(|p| p.id == r) {
        n += 1;
        r = format!("{base}#subject{n}");
    }
    r
}

/// The supplier of the subject (`Subject::supplier`, filled by the scanner from the
/// image's labels or its registry namespace), when known.
pub(crate) fn subject_supplier(sbom: &Sbom) -> Option<String> {
    sbom.subject
        .supplier
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
}

/// The subject's name, falling back to the reference.
pub(crate) fn subject_display_name(sbom: &Sbom) -> String {
    let s = &sbom.subject;
    if !s.name.trim().is_empty() {
        s.name.clone()
    } else if !s.reference.trim().is_empty() {
        s.reference.clone()
    } else {
        "unnamed".to_string()
    }
}

/// Whether `s` looks like a URL that schema `iri-reference`/`uri` checks accept.
pub(crate) fn is_url(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    (lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("ftp://")
        || lower.starts_with("git+"))
        && !s.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '\\' | '^' | '`')
        })
        && s.len() > lower.find("://").map_or(0, |i| i + 3)
}

/// Splits `Name <email>` into its parts; the email only when it looks like one.
pub(crate) fn split_contact(s: &str) -> (String, Option<String>) {
    let s = s.trim();
    if let (Some(lt), true) = (s.rfind('<'), s.ends_with('>')) {
        let email = s[lt + 1..s.len() - 1].trim();
        let name = s[..lt].trim();
        if looks_like_email(email) && !name.is_empty() {
            return (name.to_string(), Some(email.to_string()));
        }
    }
    (s.to_string(), None)
}

pub(crate) fn looks_like_email(e: &str) -> bool {
    let mut parts = e.split('@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(local), Some(domain), None) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !e.chars().any(|c| {
                    c.is_whitespace()
                        || c.is_control()
                        || matches!(c, '<' | '>' | '(' | ')' | ',' | ';' | '"')
                })
        }
        _ => false,
    }
}

/// The facts of a package that have no field in CycloneDX/SPDX, as `sbom:` properties
/// (then the package's own properties), in a fixed order.
pub(crate) fn package_properties(p: &Package, owners: &Owners) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut push = |k: &str, v: &str| out.push((k.to_string(), v.to_string()));
    if let Some(l) = &p.layer {
        push(P_LAYER_DIFF_ID, &l.diff_id);
        push(P_LAYER_INDEX, &l.index.to_string());
        if let Some(d) = &l.digest {
            push(P_LAYER_DIGEST, d);
        }
    }
    if let Some(l) = &p.introduced_in {
        push(P_INTRO_DIFF_ID, &l.diff_id);
        push(P_INTRO_INDEX, &l.index.to_string());
        if let Some(d) = &l.digest {
            push(P_INTRO_DIGEST, d);
        }
    }
    if let Some(v) = &p.metadata_path {
        push(P_METADATA_PATH, v);
    }
    if let Some(v) = &p.site_root {
        push(P_SITE_ROOT, v);
    }
    if let Some(v) = &p.arch {
        push(P_ARCH, v);
    }
    if let Some(v) = &p.source_name {
        push(P_SOURCE_NAME, v);
    }
    if let Some(v) = &p.source_version {
        push(P_SOURCE_VERSION, v);
    }
    if let Some(v) = p.installed_size {
        push(P_INSTALLED_SIZE, &v.to_string());
    }
    // An rpm without a vendor namespace gets a `pkg:generic` purl, which does not say rpm.
    let rpm_purl = p.purl.as_deref().is_some_and(|u| u.starts_with("pkg:rpm/"));
    let implied = match p.ecosystem {
        Ecosystem::Deb | Ecosystem::Apk | Ecosystem::Pypi | Ecosystem::Oci => true,
        Ecosystem::Rpm => rpm_purl,
        _ => false,
    };
    if !implied {
        push(P_ECOSYSTEM, p.ecosystem.as_str());
    }
    if let Some(h) = p.homepage.as_deref().filter(|h| !is_url(h)) {
        push(P_HOMEPAGE, h);
    }
    if let Some(h) = p.download_url.as_deref().filter(|h| !is_url(h)) {
        push(P_DOWNLOAD_URL, h);
    }
    if let Origin::Declared { file, line, scope } = &p.origin {
        push(P_DECLARED, "true");
        push(P_DECLARED_FILE, file);
        if let Some(l) = line {
            push(P_DECLARED_LINE, &l.to_string());
        }
        if let Some(s) = scope {
            push(P_DECLARED_SCOPE, s);
        }
    }
    for d in &p.depends {
        push(P_DEPENDS, d);
    }
    for o in owners.get(p.id.as_str()).into_iter().flatten() {
        push(P_OWNED_BY, o);
    }
    for (k, v) in &p.properties {
        push(k, v);
    }
    out
}

/// Owned package id -> owning package ids, in relationship order.
pub(crate) type Owners<'a> = BTreeMap<&'a str, Vec<&'a str>>;

/// The `Owns` relationships of `sbom`, indexed by the owned package.
pub(crate) fn owners(sbom: &Sbom) -> Owners<'_> {
    let mut m: Owners<'_> = BTreeMap::new();
    for r in &sbom.relationships {
        if r.kind == RelationshipKind::Owns {
            m.entry(r.to.as_str()).or_default().push(r.from.as_str());
        }
    }
    m
}

/// Properties of the document itself (distro) and of the subject.
pub(crate) fn distro_properties(d: &Distro) -> Vec<(String, String)> {
    let mut out = vec![
        (P_DISTRO.to_string(), sbom_model::purl::distro_qualifier(d)),
        (P_DISTRO_ID.to_string(), d.id.clone()),
    ];
    if let Some(v) = &d.version_id {
        out.push((P_DISTRO_VERSION_ID.into(), v.clone()));
    }
    if let Some(v) = &d.version_codename {
        out.push((P_DISTRO_CODENAME.into(), v.clone()));
    }
    if let Some(v) = &d.pretty_name {
        out.push((P_DISTRO_PRETTY.into(), v.clone()));
    }
    for v in &d.id_like {
        out.push((P_DISTRO_ID_LIKE.into(), v.clone()));
    }
    out
}

pub(crate) fn subject_kind_str(k: sbom_model::SubjectKind) -> &'static str {
    match k {
        sbom_model::SubjectKind::Image => "image",
        sbom_model::SubjectKind::Directory => "directory",
        sbom_model::SubjectKind::Declared => "declared",
    }
}

pub(crate) fn subject_properties(s: &Subject) -> Vec<(String, String)> {
    let mut out = vec![(
        P_SUBJECT_KIND.to_string(),
        subject_kind_str(s.kind).to_string(),
    )];
    let mut push = |k: &str, v: &str| {
        if !v.is_empty() {
            out.push((k.to_string(), v.to_string()));
        }
    };
    push(P_SUBJECT_REFERENCE, &s.reference);
    push(P_SUBJECT_NAME, &s.name);
    push(P_SUBJECT_TAG, s.tag.as_deref().unwrap_or(""));
    push(P_SUBJECT_REPOSITORY, s.repository.as_deref().unwrap_or(""));
    push(
        P_SUBJECT_MANIFEST,
        s.manifest_digest.as_deref().unwrap_or(""),
    );
    push(P_SUBJECT_CONFIG, s.config_digest.as_deref().unwrap_or(""));
    if let Some(p) = &s.platform {
        push(P_SUBJECT_PLATFORM, &p.to_string());
    }
    push(P_LAYERS_VERIFIED, s.verification.as_deref().unwrap_or(""));
    for l in &s.layers {
        let v = match &l.digest {
            Some(d) => format!("{} {}", l.diff_id, d),
            None => l.diff_id.clone(),
        };
        out.push((format!("{P_SUBJECT_LAYER}{}", l.index), v));
    }
    for (i, c) in &s.created_by {
        out.push((format!("{P_SUBJECT_CREATED_BY}{i}"), c.clone()));
    }
    out
}

/// Ecosystem from a purl's type.
pub(crate) fn ecosystem_of_purl(purl: &str) -> Ecosystem {
    let ty = purl
        .strip_prefix("pkg:")
        .and_then(|r| r.split(['/', '@', '?']).next())
        .unwrap_or("");
    sbom_model::purl::ecosystem_of_type(ty)
}

/// Percent-decodes a purl component.
/// Moves `sbom:checksum:ALG` properties (checksums a format had no field for) into the
/// package's checksums; the other properties are left in `props`.
pub fn take_checksum_properties(p: &mut Package, props: &mut Vec<(String, String)>) {
    props.retain(|(k, v)| {
        if let Some(alg) = k.strip_prefix("sbom:checksum:") {
            if let Some(algorithm) = HashAlgorithm::parse(alg) {
                p.checksums.push(Checksum {
                    algorithm,
                    value: v.clone(),
                });
                return false;
            }
        }
        true
    });
}

fn decode(s: &str) -> String {
    sbom_model::purl::decode(s)
}

/// A purl's qualifiers, decoded.
pub(crate) fn purl_qualifiers(purl: &str) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let no_sub = purl.split('#').next().unwrap_or("");
    if let Some((_, q)) = no_sub.split_once('?') {
        for kv in q.split('&') {
            if let Some((k, v)) = kv.split_once('=') {
                m.insert(k.to_ascii_lowercase(), decode(v));
            }
        }
    }
    m
}

/// A purl's package name (as the model keeps it for its ecosystem: the whole Go
/// module path, `group:artifact` for Maven, ...) and version, decoded.
pub(crate) fn purl_name_version(purl: &str) -> (Option<String>, Option<String>) {
    match sbom_model::purl::parse(purl) {
        Some(parts) => (Some(parts.package_name()), parts.version),
        None => (None, None),
    }
}

/// The package name for a component named `written` with this purl: for ecosystems
/// whose names carry a namespace (Go module paths, Maven `group:artifact`, npm scopes,
/// Composer vendors) the purl's full name, since writers put only the last part in the
/// component's name; otherwise the written name (the purl's when none is written).
pub(crate) fn package_name(purl: &str, written: &str, from_purl: Option<String>) -> String {
    let namespaced = matches!(
        ecosystem_of_purl(purl),
        Ecosystem::Golang | Ecosystem::Maven | Ecosystem::Npm | Ecosystem::Composer
    );
    match from_purl {
        Some(full) if namespaced || written.is_empty() => full,
        _ => written.to_string(),
    }
}

/// A `distro=debian-12` qualifier back into a distro (id, version). The version is
/// what follows the last `-` when it starts with a digit, so ids with a dash stay whole
/// (`opensuse-leap-15.5`).
pub(crate) fn distro_from_qualifier(q: &str) -> Distro {
    let split = q
        .rsplit_once('-')
        .filter(|(_, v)| v.starts_with(|c: char| c.is_ascii_digit()));
    match split {
        Some((id, v)) if !v.is_empty() => Distro {
            id: id.to_string(),
            version_id: Some(v.to_string()),
            ..Distro::default()
        },
        _ => Distro {
            id: q.to_string(),
            ..Distro::default()
        },
    }
}

/// Applies properties read from a document to a package. Returns the bom-refs of
/// owners (`sbom:owned_by`). Properties that are not ours, and that no field takes,
/// are kept in `Package::properties`.
pub(crate) fn apply_properties(
    p: &mut Package,
    props: &[(String, String)],
    subject_layers: &[LayerRef],
) -> Vec<String> {
    let mut owners = Vec::new();
    let mut layer_diff: Option<String> = None;
    let mut layer_index: Option<u32> = None;
    let mut layer_digest: Option<String> = None;
    let mut intro_diff: Option<String> = None;
    let mut intro_index: Option<u32> = None;
    let mut intro_digest: Option<String> = None;
    let mut declared_file: Option<String> = None;
    let mut declared_line: Option<u32> = None;
    let mut declared_scope: Option<String> = None;
    let mut declared = false;
    let mut foreign_path: Option<String> = None;
    let mut syft_locations: BTreeMap<u32, (Option<String>, Option<String>)> = BTreeMap::new();
    for (k, v) in props {
        let v = v.clone();
        match k.as_str() {
            P_LAYER_DIFF_ID => layer_diff = Some(v),
            P_LAYER_INDEX => layer_index = v.parse().ok(),
            P_LAYER_DIGEST => layer_digest = Some(v),
            P_INTRO_DIFF_ID => intro_diff = Some(v),
            P_INTRO_INDEX => intro_index = v.parse().ok(),
            P_INTRO_DIGEST => intro_digest = Some(v),
            P_METADATA_PATH => p.metadata_path = Some(v),
            P_SITE_ROOT => p.site_root = Some(v),
            P_ARCH => p.arch = Some(v),
            P_SOURCE_NAME => p.source_name = Some(v),
            P_SOURCE_VERSION => p.source_version = Some(v),
            P_INSTALLED_SIZE => p.installed_size = v.parse().ok(),
            P_ECOSYSTEM => {
                if let Ok(e) = v.parse() {
                    p.ecosystem = e;
                }
            }
            P_HOMEPAGE => p.homepage = Some(v),
            P_DOWNLOAD_URL => p.download_url = Some(v),
            P_DECLARED => declared = v == "true",
            P_DECLARED_FILE => declared_file = Some(v),
            P_DECLARED_LINE => declared_line = v.parse().ok(),
            P_DECLARED_SCOPE => declared_scope = Some(v),
            P_DEPENDS => p.depends.push(v),
            P_OWNED_BY => owners.push(v),
            "aquasecurity:trivy:LayerDiffID" => {
                layer_diff.get_or_insert(v);
            }
            "aquasecurity:trivy:LayerDigest" => {
                layer_digest.get_or_insert(v);
            }
            "aquasecurity:trivy:FilePath" => {
                foreign_path.get_or_insert(v.trim_start_matches('/').to_string());
            }
            _ => {
                // syft: `syft:location:N:path` / `syft:location:N:layerID`.
                if let Some(rest) = k.strip_prefix("syft:location:") {
                    if let Some((n, what)) = rest.split_once(':') {
                        let slot = syft_locations
                            .entry(n.parse().unwrap_or(u32::MAX))
                            .or_default();
                        match what {
                            "path" => slot.0 = Some(v),
                            "layerID" => slot.1 = Some(v),
                            _ => {}
                        }
                    }
                } else {
                    p.properties.insert(k.clone(), v);
                }
            }
        }
    }
    // syft lists every file it read (copyright, RECORD, ...): the package's metadata
    // file is the one named like a package database, else the first.
    let syft_pick = syft_locations
        .values()
        .find(|(path, _)| path.as_deref().is_some_and(is_metadata_file))
        .or_else(|| syft_locations.values().next());
    if let Some((path, layer)) = syft_pick {
        if foreign_path.is_none() {
            foreign_path = path
                .as_deref()
                .map(|x| x.trim_start_matches('/').to_string());
        }
        if layer_diff.is_none() {
            layer_diff = layer.clone();
        }
    }
    if p.metadata_path.is_none() {
        p.metadata_path = foreign_path;
    }
    let make =
        |diff: Option<String>, index: Option<u32>, digest: Option<String>| -> Option<LayerRef> {
            let diff = diff?;
            let known = subject_layers.iter().find(|l| l.diff_id == diff);
            let index = index.or(known.map(|l| l.index))?;
            Some(LayerRef {
                index,
                digest: digest.or_else(|| known.and_then(|l| l.digest.clone())),
                diff_id: diff,
            })
        };
    if let Some(diff) = &layer_diff {
        match make(layer_diff.clone(), layer_index, layer_digest.clone()) {
            Some(l) => p.layer = Some(l),
            // A layer we cannot place in the image: keep the fact as a property.
            None => {
                p.properties
                    .insert(P_LAYER_DIFF_ID.to_string(), diff.clone());
            }
        }
    }
    p.introduced_in = make(intro_diff, intro_index, intro_digest);
    if declared {
        p.origin = Origin::Declared {
            file: declared_file.unwrap_or_default(),
            line: declared_line,
            scope: declared_scope,
        };
    }
    owners
}

/// Whether a path is a package database or metadata file (as opposed to a copyright
/// file or a RECORD that a tool also read).
fn is_metadata_file(path: &str) -> bool {
    path.ends_with("var/lib/dpkg/status")
        || path.contains("var/lib/dpkg/status.d/")
        || path.ends_with("/METADATA")
        || path.ends_with("PKG-INFO")
        || path.ends_with("lib/apk/db/installed")
        || path.contains("var/lib/rpm/")
}

/// Reads subject properties back. Returns true when any was ours.
pub(crate) fn apply_subject_properties(s: &mut Subject, props: &[(String, String)]) -> bool {
    let mut ours = false;
    for (k, v) in props {
        let v = v.clone();
        ours |= k.starts_with("sbom:subject:");
        match k.as_str() {
            P_SUBJECT_KIND => {
                s.kind = match v.as_str() {
                    "directory" => sbom_model::SubjectKind::Directory,
                    "declared" => sbom_model::SubjectKind::Declared,
                    _ => sbom_model::SubjectKind::Image,
                }
            }
            P_SUBJECT_REFERENCE => s.reference = v,
            P_SUBJECT_NAME => s.name = v,
            P_SUBJECT_TAG => s.tag = Some(v),
            P_SUBJECT_REPOSITORY => s.repository = Some(v),
            P_SUBJECT_MANIFEST => s.manifest_digest = Some(v),
            P_SUBJECT_CONFIG => s.config_digest = Some(v),
            P_LAYERS_VERIFIED => s.verification = Some(v),
            P_SUBJECT_PLATFORM => {
                let mut parts = v.splitn(3, '/');
                s.platform = Some(sbom_model::Platform {
                    os: parts.next().unwrap_or_default().to_string(),
                    architecture: parts.next().unwrap_or_default().to_string(),
                    variant: parts.next().map(str::to_string),
                });
            }
            "aquasecurity:trivy:RepoDigest" => {
                if s.manifest_digest.is_none() {
                    s.manifest_digest = v.rsplit_once('@').map(|(_, d)| d.to_string());
                }
            }
            "aquasecurity:trivy:ImageID" => {
                s.config_digest.get_or_insert(v);
            }
            _ => {
                if let Some(i) = k.strip_prefix(P_SUBJECT_CREATED_BY) {
                    if let Ok(index) = i.parse() {
                        s.created_by.insert(index, v);
                    }
                } else if let Some(i) = k.strip_prefix(P_SUBJECT_LAYER) {
                    if let Ok(index) = i.parse() {
                        let mut parts = v.split_whitespace();
                        if let Some(diff) = parts.next() {
                            s.layers.push(LayerRef {
                                index,
                                diff_id: diff.to_string(),
                                digest: parts.next().map(str::to_string),
                            });
                        }
                    }
                }
            }
        }
    }
    s.layers.sort();
    ours
}

/// Reads distro properties back.
pub(crate) fn distro_from_properties(props: &[(String, String)]) -> Option<Distro> {
    let mut d = Distro::default();
    let mut any = false;
    for (k, v) in props {
        match k.as_str() {
            P_DISTRO_ID => {
                d.id = v.clone();
                any = true;
            }
            P_DISTRO_VERSION_ID => d.version_id = Some(v.clone()),
            P_DISTRO_CODENAME => d.version_codename = Some(v.clone()),
            P_DISTRO_PRETTY => d.pretty_name = Some(v.clone()),
            P_DISTRO_ID_LIKE => d.id_like.push(v.clone()),
            _ => {}
        }
    }
    any.then_some(d)
}

/// Splits `(A) AND (B) AND (C)` (our shape for several licenses) into its parts;
/// anything else is one part.
pub(crate) fn split_declared(expr: &str) -> Vec<&str> {
    let e = expr.trim();
    let mut parts = Vec::new();
    let mut rest = e;
    loop {
        if !rest.starts_with('(') {
            return vec![e];
        }
        let mut depth = 0usize;
        let mut end = None;
        for (i, c) in rest.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            return vec![e];
        };
        parts.push(rest[1..end].trim());
        rest = rest[end + 1..].trim_start();
        if rest.is_empty() {
            break;
        }
        match rest.strip_prefix("AND ") {
            Some(r) => rest = r.trim_start(),
            None => return vec![e],
        }
    }
    if parts.len() < 2 {
        return vec![e];
    }
    parts
}

/// Relationships of a package list back into the model: owners become `Owns`.
pub(crate) fn owns_relationships(owned: &[(String, Vec<String>)]) -> Vec<Relationship> {
    let mut out = Vec::new();
    for (id, owners) in owned {
        for o in owners {
            out.push(Relationship {
                from: o.clone(),
                kind: RelationshipKind::Owns,
                to: id.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_seconds_format_as_rfc3339() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn trivy_offset_timestamps_become_utc() {
        assert_eq!(
            normalise_timestamp("2026-11-29T12:51:18+00:00"),
            "2026-11-29T12:51:18Z"
        );
        assert_eq!(
            normalise_timestamp("2024-03-01T01:30:00+02:00"),
            "2024-02-29T23:30:00Z"
        );
        assert_eq!(
            normalise_timestamp("2024-12-31T23:00:00.123-01:00"),
            "2025-01-01T00:00:00Z"
        );
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(normalise_timestamp("yesterday"), "yesterday");
        assert_eq!(
            normalise_timestamp("2024-01-01T00:00:00+0"),
            "2024-01-01T00:00:00+0"
        );
        assert_eq!(
            normalise_timestamp("2024-13-01T00:00:00Z"),
            "2024-13-01T00:00:00Z"
        );
    }

    #[test]
    fn fractional_seconds_are_dropped() {
        assert_eq!(
            normalise_timestamp("2024-01-01T00:00:00.25Z"),
            "2024-01-01T00:00:00Z"
        );
        assert_eq!(
            normalise_timestamp("2024-01-01T00:00:00Z"),
            "2024-01-01T00:00:00Z"
        );
    }

    #[test]
    fn content_uuid_is_stable_and_valid() {
        let s = Sbom::default();
        let a = content_uuid(&s, "2024-01-01T00:00:00Z");
        assert_eq!(a, content_uuid(&s, "2024-01-01T00:00:00Z"));
        assert_ne!(a, content_uuid(&s, "2024-01-02T00:00:00Z"));
        assert!(is_cdx_serial(&format!("urn:uuid:{a}")), "{a}");
    }

    #[test]
    fn contacts_split_only_real_emails() {
        assert_eq!(
            split_contact("Debian Python Team <team+python@tracker.debian.org>"),
            (
                "Debian Python Team".into(),
                Some("team+python@tracker.debian.org".into())
            )
        );
        assert_eq!(
            split_contact("Jane <not an email>"),
            ("Jane <not an email>".into(), None)
        );
        assert_eq!(split_contact("Plain Name"), ("Plain Name".into(), None));
    }

    #[test]
    fn purl_parts_are_decoded() {
        let p = "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12";
        assert_eq!(
            purl_name_version(p),
            (Some("libc6".into()), Some("2.36-9+deb12u4".into()))
        );
        assert_eq!(
            purl_qualifiers(p).get("distro").map(String::as_str),
            Some("debian-12")
        );
        assert_eq!(ecosystem_of_purl(p), Ecosystem::Deb);
        assert_eq!(ecosystem_of_purl("pkg:npm/x@1"), Ecosystem::Npm);
        assert_eq!(ecosystem_of_purl("pkg:swift/x@1"), Ecosystem::Generic);
        // Truncated escapes do not panic.
        assert_eq!(
            purl_name_version("pkg:pypi/a%4@1%"),
            (Some("a%4".into()), Some("1%".into()))
        );
    }

    #[test]
    fn only_our_parenthesised_shape_is_split() {
        assert_eq!(
            split_declared("(MIT) AND (Apache-2.0 OR BSD-3-Clause)"),
            vec!["MIT", "Apache-2.0 OR BSD-3-Clause"]
        );
        assert_eq!(
            split_declared("MIT AND Apache-2.0"),
            vec!["MIT AND Apache-2.0"]
        );
        assert_eq!(split_declared("(MIT OR X) AND Y"), vec!["(MIT OR X) AND Y"]);
        assert_eq!(split_declared("(MIT"), vec!["(MIT"]);
        assert_eq!(split_declared("(MIT)"), vec!["(MIT)"]);
        assert_eq!(split_declared("(é) AND (ü)"), vec!["é", "ü"]);
    }

    #[test]
    fn we_are_named_as_a_creator_of_what_we_write() {
        let mut s = Sbom::default();
        assert_eq!(writer_tools(&s), vec![sbom_model::Tool::default()]);
        s.tools = vec![sbom_model::Tool {
            name: "syft".into(),
            version: "1.18.1".into(),
        }];
        let names: Vec<String> = writer_tools(&s).into_iter().map(|t| t.name).collect();
        assert_eq!(names, vec!["sbom".to_string(), "syft".to_string()]);
    }

    #[test]
    fn urls_are_checked_before_they_become_url_fields() {
        assert!(is_url("https://example.org/x"));
        assert!(!is_url("UNKNOWN"));
        assert!(!is_url("https://"));
        assert!(!is_url("https://a b"));
    }

    #[test]
    fn distro_qualifier_ids_with_a_dash_stay_whole() {
        let d = |q: &str| {
            let d = distro_from_qualifier(q);
            (d.id, d.version_id)
        };
        assert_eq!(d("debian-12"), ("debian".into(), Some("12".into())));
        assert_eq!(d("rocky-9.4"), ("rocky".into(), Some("9.4".into())));
        assert_eq!(
            d("opensuse-leap-15.5"),
            ("opensuse-leap".into(), Some("15.5".into()))
        );
        assert_eq!(
            d("opensuse-tumbleweed"),
            ("opensuse-tumbleweed".into(), None)
        );
    }
}
