# Developer recipes. `just` is optional: every recipe is a plain command you can copy.

# Scan the bundled demo image and print a table.
demo:
    cargo run --release -- scan testdata/demo/oci -o table

# The whole test suite (installs Debian packages it needs as root, builds the bench image).
test:
    scripts/test.sh

# Fast tests only (no bench image).
test-fast:
    cargo test --workspace

# Lints as CI runs them.
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings

# Build the realistic OSISM-like bench images (r1 and r2) under target/bench-image.
bench-image:
    scripts/bench-image.sh target/bench-image

# Rebuild the small demo image under testdata/demo from the bench rootfs.
demo-image:
    scripts/make-demo-image.sh

# Speed, memory and packages found against syft and trivy, in one run: the bench image r1
# (issue 8), the Go, Java and node_modules images (issues 14, 15), each image's inflate floor,
# ratios and goals; missing bench images are built first. Table + target/bench/single.json.
# A shorter run: just bench --runs 1 --cases oci-cold,floor,go,java,node --modes all,none
bench *ARGS:
    python3 scripts/bench.py single {{ARGS}}

# Batch scan of a dozen-image release from a local registry against trivy (issue 9); target/bench/batch.json.
bench-batch *ARGS:
    python3 scripts/bench.py batch {{ARGS}}

# Rebuild the rpm database fixtures under testdata/rpm (rpm, db5.3_load, an NDB-enabled rpm built from Debian's source; root for apt-get).
rpm-fixtures:
    scripts/rpm-fixtures.sh

# sbom report on a synthetic 150-image release from the bench image: page sizes and load
# times in headless chromium (docs/performance.md). Needs the bench image and chromium.
bench-report:
    cargo test --release -p sbom-cli --test report_scale -- --ignored --nocapture

# The Go image (> 200 MB of upstream Go binaries) and the content catalogers' cost (issue 14); target/bench/go.json.
bench-go *ARGS:
    scripts/bench-go-image.sh target/bench-image/go
    python3 scripts/bench.py go {{ARGS}}

# The Java-heavy bench image (issue 15): 380 Debian jars, OpenJDK 17, a 146 MB fat jar; target/bench-image/java.
bench-java-image:
    scripts/bench-java-image.sh target/bench-image/java

# Java image against syft, trivy and the inflate floor; no-Java image against a baseline build (issue 15); target/bench/java.json.
bench-java *ARGS:
    python3 scripts/bench.py java {{ARGS}}

# The node_modules bench image (issue 15): skyline-console's npm dependency tree (~2,700 packages); target/bench-image/node.
bench-node-image:
    scripts/bench-node-image.sh target/bench-image/node

# The node_modules image against syft, trivy and its inflate floor (issue 15); target/bench/node.json.
bench-node *ARGS:
    python3 scripts/bench.py node {{ARGS}}

# Seeds for the fuzz targets from the fixtures (fuzz/seeds, not committed; build sbom first for our own SBOMs).
fuzz-seeds:
    cargo build -p sbom-cli
    scripts/fuzz-seeds.py

# One fuzz target for SECS seconds (nightly, cargo-fuzz), then its committed corpus merged small again (docs/reliability.md).
fuzz TARGET SECS="600" MAX="1024":
    scripts/fuzz.sh {{TARGET}} {{SECS}}
    scripts/fuzz-shrink.sh {{TARGET}} {{MAX}}
