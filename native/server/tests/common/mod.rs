//! Runs the real `psujobs` binary on a free loopback port with its own data folder and
//! script repository, and talks to it over HTTP (or HTTPS with a self-signed certificate).

#![allow(dead_code)] // each test file uses a different part of the harness

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use nix::unistd::Pid;
use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::Value;

pub struct Server {
    pub dir: tempfile::TempDir,
    pub base: String,
    pub admin: String,
    child: Option<Child>,
    port: u16,
    config: String,
    /// The PEM certificate the server serves HTTPS with; `None` for plain HTTP.
    tls_cert: Option<String>,
    /// Made once: plain, or trusting `tls_cert`.
    client: Client,
}

/// An HTTP client for the tests. In a workspace build reqwest is unified with the client crate's
/// `rustls-no-provider` feature, so a crypto provider must be installed before any client exists.
pub fn http() -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::new()
}

/// A client that trusts exactly one extra certificate (a test server's self-signed one).
pub fn https(cert_pem: &str) -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .build()
        .unwrap()
}

pub fn pwsh() -> String {
    std::env::var("PSUJOBS_PWSH").unwrap_or_else(|_| {
        let home = std::env::var("HOME").unwrap_or_default();
        let dotnet = format!("{home}/.dotnet/tools/pwsh");
        if Path::new(&dotnet).exists() {
            dotnet
        } else {
            "pwsh".into()
        }
    })
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Polls `done` until it holds, failing with `what` and the servers' logs after `within`.
pub async fn until(
    what: &str,
    servers: &[&Server],
    within: Duration,
    done: impl AsyncFn() -> bool,
) {
    let deadline = Instant::now() + within;
    while !done().await {
        if Instant::now() > deadline {
            let logs: Vec<String> = servers.iter().map(|s| s.log()).collect();
            panic!("{what}\n{}", logs.join("\n----\n"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

impl Server {
    /// Starts a server with `config` (TOML) and the given scripts.
    pub async fn start(config: &str, scripts: &[(&str, &str)]) -> Server {
        Self::start_with(config, scripts, false).await
    }

    /// Starts a server that serves HTTPS with a fresh self-signed certificate for 127.0.0.1
    /// (written to `cert.pem` and `key.pem` in its folder).
    pub async fn start_https(config: &str, scripts: &[(&str, &str)]) -> Server {
        Self::start_with(config, scripts, true).await
    }

    async fn start_with(config: &str, scripts: &[(&str, &str)], tls: bool) -> Server {
        let mut server = Self::new(config, scripts, tls);
        server.spawn().await;
        server.admin = std::fs::read_to_string(server.data().join("admin.token")).unwrap();
        server
    }

    /// A second node of `first`'s store (its config names a PostgreSQL database), as an
    /// operator sets one up: a data folder of its own holding `first`'s key, and the same
    /// scripts. `first`'s app tokens work on it.
    pub async fn start_beside(first: &Server, scripts: &[(&str, &str)]) -> Server {
        let mut server = Self::new(&first.config, scripts, false);
        std::fs::create_dir_all(server.data()).unwrap();
        let key = "secret.key";
        std::fs::copy(first.data().join(key), server.data().join(key)).unwrap();
        server.spawn().await;
        server.admin = first.admin.clone();
        server
    }

    /// A server not started yet: its folder, config and scripts.
    pub fn new(config: &str, scripts: &[(&str, &str)], tls: bool) -> Server {
        let dir = tempfile::tempdir().unwrap();
        for (path, content) in scripts {
            let file = dir.path().join("scripts").join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, content).unwrap();
        }
        let tls_cert = tls.then(|| {
            let certified =
                rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
            let cert = certified.cert.pem();
            std::fs::write(dir.path().join("cert.pem"), &cert).unwrap();
            std::fs::write(
                dir.path().join("key.pem"),
                certified.signing_key.serialize_pem(),
            )
            .unwrap();
            cert
        });
        let client = tls_cert.as_deref().map_or_else(http, https);
        Server {
            dir,
            base: String::new(),
            admin: String::new(),
            child: None,
            port: free_port(),
            config: config.to_string(),
            tls_cert,
            client,
        }
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn command(&self) -> Command {
        let config = self.dir.path().join("psujobs.toml");
        std::fs::write(&config, &self.config).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_psujobs"));
        cmd.arg("--config")
            .arg(config)
            .arg("--data")
            .arg(self.data());
        cmd
    }

    /// The client for this server: plain, or trusting its certificate.
    pub fn client(&self) -> &Client {
        &self.client
    }

    pub async fn spawn(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("server.log")).unwrap();
        let mut command = self.command();
        command.arg("serve");
        if self.tls_cert.is_some() {
            command
                .arg("--tls-cert")
                .arg(self.dir.path().join("cert.pem"))
                .arg("--tls-key")
                .arg(self.dir.path().join("key.pem"));
        }
        let scheme = if self.tls_cert.is_some() {
            "https"
        } else {
            "http"
        };
        let child = command
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("--repository")
            .arg(self.dir.path().join("scripts"))
            .arg("--pwsh")
            .arg(pwsh())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        self.base = format!("{scheme}://127.0.0.1:{}", self.port);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(r) = self.client().get(self.url("/api/v1/alive")).send().await
                && r.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("server did not start: {}", self.log());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// How many child processes the server has now (the PowerShell processes it runs jobs
    /// in or keeps warm). Each thread lists the children it started.
    pub fn children(&self) -> usize {
        let pid = self.child.as_ref().expect("the server runs").id();
        let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).unwrap();
        tasks
            .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("children")).ok())
            .map(|children| children.split_whitespace().count())
            .sum()
    }

    /// SIGKILL: the server gets no chance to clean up.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM, then wait for a clean exit.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let mut c = self.child.take().unwrap();
        sigterm(&c);
        c.wait().unwrap()
    }

    pub async fn restart(&mut self) {
        self.kill();
        self.spawn().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn req(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let r = self.client().request(method, self.url(path));
        match token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.req(Method::GET, path, Some(&self.admin))
            .send()
            .await
            .unwrap()
    }

    /// GET of a route that needs no token (alive, version, status), as JSON.
    pub async fn public_json(&self, path: &str) -> Value {
        let r = self.req(Method::GET, path, None).send().await.unwrap();
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.json().await.unwrap()
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let r = self.get(path).await;
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.json().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.req(Method::POST, path, Some(&self.admin))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Issues a token with the CLI, as an operator would.
    pub fn token(&self, role: &str) -> String {
        let out = self
            .command()
            .args(["token", "new", "--role", role, "--name", role])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// Stores a credential as an operator does (`psujobs credential set`, secret on stdin).
    pub fn set_credential(&self, name: &str, user: &str, secret: &str) {
        let mut child = self
            .command()
            .args(["credential", "set", name, "--user", user])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{secret}\n").as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Runs a script by path and returns the job id.
    pub async fn run(&self, path: &str, body: Value) -> i64 {
        let r = self
            .post(&format!("/api/v1/script/path/{path}"), body)
            .await;
        let status = r.status();
        let text = r.text().await.unwrap();
        assert_eq!(status, 200, "{text}");
        text.parse().unwrap()
    }

    /// Polls until the job is in a terminal status or `status` (when given).
    pub async fn wait_for(&self, id: i64, until: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let job = self.get_json(&format!("/api/v1/job/{id}")).await;
            if until(&job) {
                return job;
            }
            assert!(
                Instant::now() < deadline,
                "job {id} stuck: {job}\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn wait_done(&self, id: i64) -> Value {
        self.wait_for(id, |j| {
            matches!(j["status"].as_i64(), Some(2 | 3 | 5 | 9 | 10 | 11))
        })
        .await
    }
}

fn sigterm(child: &Child) {
    let pid = Pid::from_raw(i32::try_from(child.id()).unwrap());
    // ESRCH only means it has already gone; the wait that follows tells.
    let _ = nix::sys::signal::kill(pid, Signal::SIGTERM);
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(c) = self.child.as_mut() {
            // A clean stop, so the server kills its job processes (process groups).
            sigterm(c);
            let deadline = Instant::now() + Duration::from_secs(15);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Asserts a JSON error response with this status and error id; returns the message.
pub async fn expect_error(r: Response, status: u16, id: &str) -> String {
    assert_eq!(r.status().as_u16(), status, "expected {status} {id}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["id"], id, "{body}");
    body["message"].as_str().unwrap().to_string()
}

/// The text field `field` of each object of a JSON array (names, paths, messages…).
pub fn texts<'a>(list: &'a Value, field: &str) -> Vec<&'a str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item[field].as_str().unwrap())
        .collect()
}
