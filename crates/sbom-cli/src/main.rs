fn main() {
    eprintln!("sbom: not yet wired");
    std::process::exit(2);
}
