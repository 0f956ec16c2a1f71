//! os-release: which distribution the image is (`ID`, `VERSION_ID`, ...).
//!
//! `etc/os-release` wins over `usr/lib/os-release` (as os-release(5) says). When
//! `VERSION_ID` is missing (Debian testing/sid) and the distro is Debian, the major
//! number of `etc/debian_version` is used if it starts with a digit (`12.5` → `12`);
//! a codename there (`trixie/sid`) leaves the version unknown.
use sbom_model::Distro;

use super::decode;
use crate::{CatalogOutput, Cataloger, Context, FileView};

const PATHS: [&str; 2] = ["etc/os-release", "usr/lib/os-release"];
const DEBIAN_VERSION: &str = "etc/debian_version";

/// Captures os-release files; yields no packages (the scan engine calls
/// [`detect_distro`] to fill [`Context::distro`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct OsReleaseCataloger;

impl Cataloger for OsReleaseCataloger {
    fn name(&self) -> &'static str {
        "os-release"
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        PATHS.contains(&path) || path == DEBIAN_VERSION
    }
    fn catalog(&self, _view: &FileView, _ctx: &Context) -> CatalogOutput {
        CatalogOutput::default()
    }
}

/// The distro of the final filesystem, from `etc/os-release` or `usr/lib/os-release`.
/// `None` when neither exists or neither has an `ID`.
pub fn detect_distro(view: &FileView) -> Option<Distro> {
    let mut distro = PATHS
        .iter()
        .filter_map(|p| view.get(p))
        .find_map(|f| parse_os_release(&decode(&f.data)))?;
    if distro.version_id.is_none() && distro.id == "debian" {
        if let Some(f) = view.get(DEBIAN_VERSION) {
            distro.version_id = debian_major(&decode(&f.data));
        }
    }
    Some(distro)
}

/// Parses the text of an os-release file. `None` without a non-empty `ID`.
pub fn parse_os_release(text: &str) -> Option<Distro> {
    let mut d = Distro::default();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, raw)) = line.split_once('=') else {
            continue;
        };
        let value = unquote(raw.trim());
        let value = value.trim();
        let opt = || (!value.is_empty()).then(|| value.to_string());
        match key.trim() {
            "ID" => d.id = value.to_ascii_lowercase(),
            "VERSION_ID" => d.version_id = opt(),
            "VERSION_CODENAME" => d.version_codename = opt(),
            "PRETTY_NAME" => d.pretty_name = opt(),
            "ID_LIKE" => {
                d.id_like = value.split_whitespace().map(str::to_string).collect();
            }
            _ => {}
        }
    }
    (!d.id.is_empty()).then_some(d)
}

/// Shell-style value: double quotes with `\"`, `\\`, `\$`, `` \` `` escapes; single
/// quotes literal; unquoted values with backslash escapes, ending at whitespace (so a
/// trailing `# comment` is dropped, as a shell would).
fn unquote(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => out.push(c),
            (_, '\\') => match chars.next() {
                Some(n @ ('"' | '\\' | '$' | '`' | '\'')) => out.push(n),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            },
            (None, c) if c.is_whitespace() => break,
            (_, c) => out.push(c),
        }
    }
    out
}

fn debian_major(text: &str) -> Option<String> {
    let first = text.lines().next()?.trim();
    let major: String = first.chars().take_while(char::is_ascii_digit).collect();
    (!major.is_empty()).then_some(major)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::CapturedFile;

    fn view(files: &[(&str, &str)]) -> FileView {
        FileView::from_files(files.iter().map(|(p, d)| CapturedFile {
            path: (*p).to_string(),
            data: Arc::new(d.as_bytes().to_vec()),
            layer: None,
        }))
    }

    const BOOKWORM: &str = r#"PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
"#;

    #[test]
    fn debian_bookworm() {
        let d = parse_os_release(BOOKWORM).expect("distro");
        assert_eq!(d.id, "debian");
        assert_eq!(d.version_id.as_deref(), Some("12"));
        assert_eq!(d.version_codename.as_deref(), Some("bookworm"));
        assert_eq!(
            d.pretty_name.as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert!(d.id_like.is_empty());
    }

    #[test]
    fn ubuntu_id_like_and_alpine() {
        let u = parse_os_release("ID=ubuntu\nID_LIKE=\"debian\"\nVERSION_ID=\"22.04\"\n")
            .expect("ubuntu");
        assert_eq!(u.id_like, ["debian"]);
        let r = parse_os_release("ID=rocky\nID_LIKE=\"rhel centos fedora\"\n").expect("rocky");
        assert_eq!(r.id_like, ["rhel", "centos", "fedora"]);
        let a = parse_os_release(
            "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.1\nPRETTY_NAME=\"Alpine Linux v3.20\"\n",
        )
        .expect("alpine");
        assert_eq!(a.id, "alpine");
        assert_eq!(a.version_id.as_deref(), Some("3.20.1"));
    }

    /// The os-release files of the rpm distributions (abridged to the keys that
    /// matter, quoted as each distribution quotes them) give the purl's distro qualifier.
    #[test]
    fn rpm_distributions_give_their_distro_qualifier() {
        let cases = [
            ("NAME=\"Rocky Linux\"\nVERSION=\"9.4 (Blue Onyx)\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.4\"\nPLATFORM_ID=\"platform:el9\"\n", "rocky-9.4"),
            ("NAME=\"CentOS Linux\"\nVERSION=\"7 (Core)\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"7\"\n", "centos-7"),
            ("NAME=\"CentOS Stream\"\nVERSION=\"9\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"9\"\n", "centos-9"),
            ("NAME=\"Red Hat Enterprise Linux\"\nVERSION=\"9.4 (Plow)\"\nID=\"rhel\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"9.4\"\n", "rhel-9.4"),
            ("NAME=\"Fedora Linux\"\nVERSION=\"40 (Container Image)\"\nID=fedora\nVERSION_ID=40\nVARIANT_ID=container\n", "fedora-40"),
            ("NAME=\"SLES\"\nVERSION=\"15-SP5\"\nVERSION_ID=\"15.5\"\nID=\"sles\"\nID_LIKE=\"suse\"\n", "sles-15.5"),
            ("NAME=\"openSUSE Leap\"\nVERSION=\"15.5\"\nID=\"opensuse-leap\"\nID_LIKE=\"suse opensuse\"\nVERSION_ID=\"15.5\"\n", "opensuse-leap-15.5"),
            ("NAME=\"openSUSE Tumbleweed\"\nID=\"opensuse-tumbleweed\"\nID_LIKE=\"opensuse suse\"\nVERSION_ID=\"20240601\"\n", "opensuse-tumbleweed-20240601"),
            ("NAME=\"AlmaLinux\"\nVERSION=\"9.4 (Seafoam Ocelot)\"\nID=\"almalinux\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.4\"\n", "almalinux-9.4"),
        ];
        for (text, want) in cases {
            let d = parse_os_release(text).expect(want);
            assert_eq!(sbom_model::purl::distro_qualifier(&d), want);
        }
    }

    #[test]
    fn quoting_and_escapes() {
        let d = parse_os_release(
            "ID='my-os'\nPRETTY_NAME=\"A \\\"quoted\\\" \\$name\"\n# comment\ngarbage line\nVERSION_ID=1 # trailing\n",
        )
        .expect("distro");
        assert_eq!(d.id, "my-os");
        assert_eq!(d.pretty_name.as_deref(), Some("A \"quoted\" $name"));
        assert_eq!(d.version_id.as_deref(), Some("1"));
    }

    #[test]
    fn no_id_is_no_distro() {
        assert_eq!(parse_os_release("NAME=x\nVERSION_ID=1\n"), None);
        assert_eq!(parse_os_release(""), None);
    }

    #[test]
    fn etc_wins_over_usr_lib() {
        let v = view(&[
            ("etc/os-release", "ID=alpine\nVERSION_ID=3.19.0\n"),
            ("usr/lib/os-release", BOOKWORM),
        ]);
        assert_eq!(detect_distro(&v).expect("distro").id, "alpine");
        let v = view(&[("usr/lib/os-release", BOOKWORM)]);
        assert_eq!(detect_distro(&v).expect("distro").id, "debian");
        // An etc/os-release without ID falls through to usr/lib.
        let v = view(&[
            ("etc/os-release", "NAME=x\n"),
            ("usr/lib/os-release", BOOKWORM),
        ]);
        assert_eq!(detect_distro(&v).expect("distro").id, "debian");
        assert_eq!(detect_distro(&view(&[])), None);
    }

    #[test]
    fn debian_testing_without_version_id() {
        let testing =
            "PRETTY_NAME=\"Debian GNU/Linux trixie/sid\"\nID=debian\nVERSION_CODENAME=trixie\n";
        let v = view(&[
            ("etc/os-release", testing),
            ("etc/debian_version", "trixie/sid\n"),
        ]);
        assert_eq!(detect_distro(&v).expect("distro").version_id, None);
        let v = view(&[
            ("etc/os-release", testing),
            ("etc/debian_version", "13.1\n"),
        ]);
        assert_eq!(
            detect_distro(&v).expect("distro").version_id.as_deref(),
            Some("13")
        );
    }

    #[test]
    fn wants_only_its_files() {
        let c = OsReleaseCataloger;
        assert!(c.wants("etc/os-release"));
        assert!(c.wants("usr/lib/os-release"));
        assert!(c.wants("etc/debian_version"));
        assert!(!c.wants("etc/os-release.d/x"));
        assert!(!c.wants("usr/share/os-release"));
    }
}
