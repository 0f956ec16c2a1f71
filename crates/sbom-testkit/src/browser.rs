//! A real browser for page tests: Debian's `chromium`, headless, driven over the Chrome
//! DevTools protocol (a WebSocket on 127.0.0.1). Each [`Browser`] gets a fresh profile
//! folder and is killed when dropped. Console errors, uncaught exceptions and failed
//! loads are collected from the moment a page is opened.
//!
//! The binary is `$SBOM_CHROMIUM`, else `chromium` on the PATH (`apt-get install
//! chromium`); nothing is downloaded.
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

/// How long one command or page load may take.
const TIMEOUT: Duration = Duration::from_secs(60);

/// A headless chromium with one page (tab).
pub struct Browser {
    child: Child,
    ws: WebSocket<TcpStream>,
    session: String,
    next_id: u64,
    /// Every event seen, in order (`method`, `params`).
    events: Vec<(String, Value)>,
    _profile: tempfile::TempDir,
}

/// The flags every test browser runs with: no sandbox (root in CI), no GPU, no network
/// of its own (no QUIC, background fetches, component updates or sync).
pub const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// The chromium binary: `$SBOM_CHROMIUM` or `chromium`.
pub fn chromium() -> PathBuf {
    std::env::var_os("SBOM_CHROMIUM").map_or_else(|| PathBuf::from("chromium"), PathBuf::from)
}

/// `file:///...` for a local file (absolute; characters a URL may not hold encoded).
pub fn file_url(path: &Path) -> String {
    let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::from("file://");
    for b in abs.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Browser {
    /// Starts chromium with a fresh profile and a 1280x900 page.
    pub fn start() -> Result<Browser, String> {
        let profile = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut child = Command::new(chromium())
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("--remote-debugging-port=0")
            .arg("--remote-debugging-address=127.0.0.1")
            .arg("--window-size=1280,900")
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", chromium().display()))?;
        let ws_url = match devtools_url(&mut child) {
            Ok(u) => u,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
        };
        let ws = connect(&ws_url)?;
        let mut b = Browser {
            child,
            ws,
            session: String::new(),
            next_id: 0,
            events: Vec::new(),
            _profile: profile,
        };
        let target = b.browser_call("Target.createTarget", json!({"url": "about:blank"}))?;
        let target_id = target["targetId"].as_str().unwrap_or_default().to_string();
        let attached = b.browser_call(
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
        )?;
        b.session = attached["sessionId"]
            .as_str()
            .ok_or("no sessionId from Target.attachToTarget")?
            .to_string();
        for domain in ["Page.enable", "Runtime.enable", "Log.enable"] {
            b.call(domain, json!({}))?;
        }
        b.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
        )?;
        Ok(b)
    }

    /// Opens `url` and waits for its load event.
    pub fn open(&mut self, url: &str) -> Result<(), String> {
        let seen = self.events.len();
        let r = self.call("Page.navigate", json!({"url": url}))?;
        if let Some(e) = r.get("errorText").and_then(Value::as_str) {
            return Err(format!("{url}: {e}"));
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if self.events[seen..]
                .iter()
                .any(|(m, _)| m == "Page.loadEventFired")
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("{url}: no load event within {TIMEOUT:?}"));
            }
            self.pump(deadline)?;
        }
    }

    /// Evaluates `js` in the page and returns its value (awaiting a promise).
    pub fn eval(&mut self, js: &str) -> Result<Value, String> {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": js, "returnByValue": true, "awaitPromise": true}),
        )?;
        if let Some(ex) = r.get("exceptionDetails") {
            return Err(format!("{js}: {ex}"));
        }
        Ok(r["result"]["value"].clone())
    }

    /// Presses a key (`Tab`, `Enter`) as the keyboard would.
    pub fn press(&mut self, key: &str, code: u32) -> Result<(), String> {
        for t in ["rawKeyDown", "keyUp"] {
            self.call(
                "Input.dispatchKeyEvent",
                json!({"type": t, "key": key, "code": key, "windowsVirtualKeyCode": code}),
            )?;
        }
        Ok(())
    }

    /// Types `text` into the focused element, one key at a time.
    pub fn type_text(&mut self, text: &str) -> Result<(), String> {
        for c in text.chars() {
            let s = c.to_string();
            self.call(
                "Input.dispatchKeyEvent",
                json!({"type": "keyDown", "key": s, "text": s}),
            )?;
            self.call("Input.dispatchKeyEvent", json!({"type": "keyUp", "key": s}))?;
        }
        Ok(())
    }

    /// A PNG of the visible page.
    pub fn screenshot(&mut self) -> Result<Vec<u8>, String> {
        let r = self.call("Page.captureScreenshot", json!({"format": "png"}))?;
        let b64 = r["data"].as_str().ok_or("no screenshot data")?;
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| format!("screenshot: {e}"))
    }

    /// Console errors, uncaught exceptions and error log entries (failed loads, CSP,
    /// ...) since the browser started.
    pub fn errors(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (method, p) in &self.events {
            match method.as_str() {
                "Runtime.consoleAPICalled"
                    if matches!(p["type"].as_str(), Some("error" | "assert" | "warning")) =>
                {
                    out.push(format!("console.{}: {}", p["type"], p["args"]));
                }
                "Runtime.exceptionThrown" => {
                    out.push(format!("exception: {}", p["exceptionDetails"]))
                }
                "Log.entryAdded"
                    if p["entry"]["level"] == "error" || p["entry"]["level"] == "warning" =>
                {
                    out.push(format!("log: {}", p["entry"]));
                }
                _ => {}
            }
        }
        out
    }

    fn browser_call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.send(method, params, None)
    }

    fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let s = self.session.clone();
        self.send(method, params, Some(&s))
    }

    fn send(
        &mut self,
        method: &str,
        params: Value,
        session: Option<&str>,
    ) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        self.ws
            .send(Message::text(msg.to_string()))
            .map_err(|e| format!("{method}: {e}"))?;
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(r) = self.pump_until_reply(id, deadline)? {
                if let Some(e) = r.get("error") {
                    return Err(format!("{method}: {e}"));
                }
                return Ok(r["result"].clone());
            }
        }
    }

    /// Reads one message; returns it when it is the reply to `id`.
    fn pump_until_reply(&mut self, id: u64, deadline: Instant) -> Result<Option<Value>, String> {
        let v = self.read(deadline)?;
        if v["id"].as_u64() == Some(id) {
            return Ok(Some(v));
        }
        self.record(v);
        Ok(None)
    }

    fn pump(&mut self, deadline: Instant) -> Result<(), String> {
        let v = self.read(deadline)?;
        self.record(v);
        Ok(())
    }

    fn record(&mut self, v: Value) {
        if let Some(m) = v["method"].as_str() {
            self.events.push((m.to_string(), v["params"].clone()));
        }
    }

    fn read(&mut self, deadline: Instant) -> Result<Value, String> {
        loop {
            if Instant::now() > deadline {
                return Err(format!("no answer from chromium within {TIMEOUT:?}"));
            }
            match self.ws.read() {
                Ok(Message::Text(t)) => {
                    return serde_json::from_str(t.as_str()).map_err(|e| e.to_string())
                }
                Ok(_) => continue,
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    continue
                }
                Err(e) => return Err(format!("devtools connection: {e}")),
            }
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.ws.close(None);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The browser's DevTools WebSocket address, from the line chromium prints on stderr.
fn devtools_url(child: &mut Child) -> Result<String, String> {
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        let mut log = Vec::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if !sent {
                if let Some(u) = line.strip_prefix("DevTools listening on ") {
                    let _ = tx.send(Ok(u.trim().to_string()));
                    sent = true;
                } else {
                    log.push(line);
                }
            }
            // Keep reading so chromium never blocks on a full pipe.
        }
        if !sent {
            let _ = tx.send(Err(log.join("\n")));
        }
    });
    match rx.recv_timeout(TIMEOUT) {
        Ok(Ok(u)) => Ok(u),
        Ok(Err(log)) => Err(format!("chromium exited before listening:\n{log}")),
        Err(_) => Err("chromium did not start its DevTools server in time".into()),
    }
}

fn connect(url: &str) -> Result<WebSocket<TcpStream>, String> {
    let rest = url
        .strip_prefix("ws://")
        .ok_or_else(|| format!("unexpected DevTools address {url}"))?;
    let host = rest.split('/').next().unwrap_or(rest);
    let stream = TcpStream::connect(host).map_err(|e| format!("{host}: {e}"))?;
    // The handshake waits as long as any command may; reads after it wake up twice a
    // second so that a deadline is noticed.
    stream
        .set_read_timeout(Some(TIMEOUT))
        .map_err(|e| e.to_string())?;
    let (ws, _) = tungstenite::client::client(url, stream).map_err(|e| format!("{url}: {e}"))?;
    ws.get_ref()
        .set_read_timeout(Some(Duration::from_millis(500)))
        .map_err(|e| e.to_string())?;
    Ok(ws)
}
