//! Every ordered pair of the versions in the given file, compared by `semver::Version`'s
//! `Ord` (what cargo uses to order versions, build metadata included); `!` = one side
//! does not parse.
use std::cmp::Ordering;

fn main() {
    let path = std::env::args().nth(1).expect("usage: semver-table VERSIONS");
    let text = std::fs::read_to_string(path).expect("read versions");
    let versions: Vec<&str> = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    println!("# a b result, produced by the semver crate 1.0.28 (Version::cmp; ! = Version::parse fails)");
    for a in &versions {
        for b in &versions {
            let r = match (semver::Version::parse(a), semver::Version::parse(b)) {
                (Ok(x), Ok(y)) => match x.cmp(&y) {
                    Ordering::Less => "<",
                    Ordering::Equal => "=",
                    Ordering::Greater => ">",
                },
                _ => "!",
            };
            println!("{a} {b} {r}");
        }
    }
}
