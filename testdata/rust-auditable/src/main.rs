//! Prints a few things, so that every dependency is linked in.
fn main() {
    let v = semver::Version::parse("1.2.3").expect("valid");
    let mut buf = itoa::Buffer::new();
    let n = buf.format(v.major + 41);
    let mut s: smallvec::SmallVec<[u8; 8]> = smallvec::SmallVec::new();
    s.extend_from_slice(n.as_bytes());
    let q: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("answer", std::str::from_utf8(&s).unwrap_or("?"))
        .finish();
    println!("{v} {q}");
}
