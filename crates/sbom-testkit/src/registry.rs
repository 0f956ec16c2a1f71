//! Test harness: a real `docker-registry` (CNCF distribution) on 127.0.0.1 at a free port,
//! images pushed with skopeo, and a fault-injecting TCP proxy.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Registry {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
    pub creds: Option<(String, String)>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl Registry {
    /// Starts a registry; with `creds`, htpasswd Basic auth is required.
    pub fn start(creds: Option<(&str, &str)>) -> Registry {
        Registry::start_users(creds.as_slice())
    }

    /// Starts a registry with htpasswd Basic auth for every user given (none: no auth).
    /// The first user is the one images are pushed with.
    pub fn start_users(users: &[(&str, &str)]) -> Registry {
        let creds = users.first().copied();
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let mut config = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        );
        if !users.is_empty() {
            let mut lines = Vec::new();
            for (u, p) in users {
                let out = Command::new("htpasswd")
                    .args(["-Bbn", u, p])
                    .output()
                    .expect("htpasswd (apache2-utils) must be installed");
                assert!(out.status.success(), "htpasswd failed");
                lines.extend_from_slice(out.stdout.trim_ascii_end());
                lines.push(b'\n');
            }
            let htp = dir.path().join("htpasswd");
            std::fs::write(&htp, &lines).expect("write htpasswd");
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: test-realm\n    path: {}\n",
                htp.display()
            ));
        }
        let cfg = dir.path().join("config.yml");
        std::fs::write(&cfg, config).expect("write config");
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&cfg)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry must be installed (apt-get install docker-registry)");
        let reg = Registry {
            child,
            port,
            dir,
            creds: creds.map(|(u, p)| (u.to_string(), p.to_string())),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "registry did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        reg
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Pushes `oci:LAYOUT:TAG` to `HOST/repo:tag` with skopeo (`all` copies a whole index).
    pub fn push(&self, layout: &Path, layout_tag: &str, repo_tag: &str, all: bool) {
        let mut cmd = Command::new("skopeo");
        cmd.args([
            "copy",
            "--quiet",
            "--dest-tls-verify=false",
            "--preserve-digests",
        ]);
        if all {
            cmd.arg("--all");
        }
        if let Some((u, p)) = &self.creds {
            cmd.arg(format!("--dest-creds={u}:{p}"));
        }
        cmd.arg(format!("oci:{}:{layout_tag}", layout.display()));
        cmd.arg(format!("docker://{}/{repo_tag}", self.host()));
        let out = cmd.output().expect("skopeo must be installed");
        assert!(
            out.status.success(),
            "skopeo push failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the proxy does to the first response for a blob whose path contains `target`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Close the connection after this many body bytes (once).
    CutAfter(usize),
    /// Flip a byte at this body offset (every time).
    Corrupt(usize),
    /// Answer `429 Too Many Requests` with `Retry-After: 1` (once).
    TooManyRequests,
    /// Hold each matching blob response until this many matching requests have arrived
    /// (they are then all in flight at once: `faults_done` becomes 1), or 10 s passed
    /// (`faults_done` becomes 2 for good: they never were).
    HoldUntil(usize),
}

/// A TCP proxy in front of the registry that injects one fault.
pub struct FaultProxy {
    pub port: u16,
    stop: Arc<AtomicBool>,
    pub faults_done: Arc<AtomicUsize>,
}

impl FaultProxy {
    /// `target`: the blob requests the fault applies to: those whose request line
    /// contains it (or, space-separated, any of several digests).
    pub fn start(upstream: u16, target: &str, fault: Fault) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let faults_done = Arc::new(AtomicUsize::new(0));
        let target = target.to_string();
        let (stop2, done2) = (stop.clone(), faults_done.clone());
        let arrived = Arc::new(AtomicUsize::new(0));
        listener.set_nonblocking(true).expect("nonblocking");
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(120);
            while !stop2.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((client, _)) => {
                        let _ = client.set_nonblocking(false);
                        let (t, d, a) = (target.clone(), done2.clone(), arrived.clone());
                        std::thread::spawn(move || handle(client, upstream, &t, fault, &d, &a));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        FaultProxy {
            port,
            stop,
            faults_done,
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn handle(
    client: TcpStream,
    upstream: u16,
    target: &str,
    fault: Fault,
    done: &AtomicUsize,
    arrived: &Arc<AtomicUsize>,
) {
    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
        return;
    };
    let armed = Arc::new(AtomicBool::new(false));
    // client -> server: watch request lines for the target blob.
    {
        let (mut c, mut s) = (
            client.try_clone().expect("clone"),
            server.try_clone().expect("clone"),
        );
        let armed = armed.clone();
        let target = target.to_string();
        let arrived = arrived.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 16 * 1024];
            loop {
                let n = match c.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let text = String::from_utf8_lossy(&buf[..n]);
                if text.starts_with("GET ")
                    && text.contains("/blobs/")
                    && target.split(' ').any(|t| text.contains(t))
                {
                    armed.store(true, Ordering::SeqCst);
                    arrived.fetch_add(1, Ordering::SeqCst);
                }
                if s.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            let _ = s.shutdown(Shutdown::Write);
        });
    }
    // server -> client: apply the fault to the response after arming.
    let (mut s, mut c) = (server, client);
    let mut buf = [0u8; 16 * 1024];
    let mut head_seen = false;
    let mut head = Vec::new();
    let mut body_bytes = 0usize;
    loop {
        let n = match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut chunk = buf[..n].to_vec();
        if armed.load(Ordering::SeqCst) {
            let first_time = done.load(Ordering::SeqCst) == 0;
            match fault {
                // Responses held until it is decided (reached, or 10 s passed); later ones pass.
                Fault::HoldUntil(want) if first_time => {
                    let deadline = Instant::now() + Duration::from_secs(10);
                    while arrived.load(Ordering::SeqCst) < want && Instant::now() < deadline {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    if arrived.load(Ordering::SeqCst) >= want {
                        let _ = done.compare_exchange(0, 1, Ordering::SeqCst, Ordering::SeqCst);
                    } else {
                        done.store(2, Ordering::SeqCst);
                    }
                }
                Fault::TooManyRequests if first_time => {
                    done.fetch_add(1, Ordering::SeqCst);
                    let _ = c.write_all(b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    break;
                }
                Fault::CutAfter(limit) if first_time || head_seen => {
                    let start = if head_seen {
                        0
                    } else {
                        head.extend_from_slice(&chunk);
                        match find(&head, b"\r\n\r\n") {
                            Some(i) => {
                                head_seen = true;
                                // body part of this chunk
                                chunk.len() - (head.len() - (i + 4))
                            }
                            None => chunk.len(),
                        }
                    };
                    if head_seen {
                        let body = chunk.len() - start;
                        if body_bytes + body >= limit {
                            let keep = start + (limit - body_bytes);
                            let _ = c.write_all(&chunk[..keep]);
                            done.fetch_add(1, Ordering::SeqCst);
                            let _ = c.shutdown(Shutdown::Both);
                            let _ = s.shutdown(Shutdown::Both);
                            return;
                        }
                        body_bytes += body;
                    }
                }
                Fault::Corrupt(offset) => {
                    let start = if head_seen {
                        0
                    } else {
                        head.extend_from_slice(&chunk);
                        match find(&head, b"\r\n\r\n") {
                            Some(i) => {
                                head_seen = true;
                                chunk.len() - (head.len() - (i + 4))
                            }
                            None => chunk.len(),
                        }
                    };
                    if head_seen {
                        let body = chunk.len() - start;
                        if offset >= body_bytes && offset < body_bytes + body {
                            let at = start + (offset - body_bytes);
                            chunk[at] ^= 0xff;
                            done.fetch_add(1, Ordering::SeqCst);
                        }
                        body_bytes += body;
                    }
                }
                _ => {}
            }
        }
        if c.write_all(&chunk).is_err() {
            break;
        }
    }
    let _ = c.shutdown(Shutdown::Write);
}

fn find(h: &[u8], needle: &[u8]) -> Option<usize> {
    h.windows(needle.len()).position(|w| w == needle)
}

/// A small fixture image: 3 layers (gzip, zstd, plain) of sizes that make cuts meaningful.
pub fn fixture_layout(dir: &Path) -> (PathBuf, Vec<crate::BuiltImage>) {
    use crate::{Compression, Image, Layer};
    // xorshift noise: incompressible, so the gzip blob stays large enough to cut.
    let mut x: u32 = 0x9E37_79B9;
    let big: Vec<u8> = (0..400_000u32)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect();
    let l1 = Layer::new(Compression::Gzip)
        .file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n")
        .file("usr/share/big.bin", &big);
    let l2 = Layer::new(Compression::Zstd).file("var/lib/dpkg/status", "Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b2\nArchitecture: amd64\n\n");
    let l3 = Layer::new(Compression::None).file("etc/motd", "hello\n");
    let layout = dir.join("layout");
    let built = crate::write_oci_layout(
        &layout,
        &[(Image::new(vec![l1, l2, l3]), Some("v1".into()))],
    )
    .expect("write layout");
    (layout, built)
}
