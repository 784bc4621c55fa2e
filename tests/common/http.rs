//! The example worker serving `httpGet`, and the clients that ask it: curl,
//! Python's `http.client`, and plain sockets.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{SocketAddr, TcpStream},
    process::{Child, Command, Stdio},
    time::Duration,
};

use super::Files;

/// The example worker serving `http://127.0.0.1:<port>/livez` on a port of
/// its own; killed when dropped.
pub struct HttpWorker {
    child: Child,
    pub addr: SocketAddr,
}

impl HttpWorker {
    /// Starts the worker of `files` with `--http 127.0.0.1:0` and `args`,
    /// and reads the address it serves from its stderr.
    pub fn start(files: &Files, args: &[&str]) -> HttpWorker {
        let args = [&["--http", "127.0.0.1:0"], args].concat();
        let mut child = files
            .worker_cmd(None, &args)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let addr = serving_addr(&mut child);
        HttpWorker { child, addr }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Asks with curl until it answers `code`, for `limit` at most; the
    /// last answer.
    pub fn curl_until(&self, code: u16, limit: Duration) -> (u16, String) {
        let start = std::time::Instant::now();
        loop {
            let answer = curl(&[&self.url("/livez")]);
            if answer.0 == code || start.elapsed() > limit {
                return answer;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for HttpWorker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The address a worker started with `--http` and its stderr piped says it
/// serves; its stderr is drained from then on, so that it never blocks on a
/// full pipe.
pub fn serving_addr(child: &mut Child) -> SocketAddr {
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("the worker ended before serving http")
            .unwrap();
        if let Some(url) = line.strip_prefix("worker: serving http://") {
            break url.strip_suffix("/livez").unwrap().parse().unwrap();
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    addr
}

/// `name` as a command; fails the test, saying what to install, when it is
/// not on `PATH`: a test that needs it must not pass without it.
pub fn tool(name: &str) -> Command {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path).any(|dir| dir.join(name).is_file());
    assert!(
        found,
        "this test needs `{name}` on PATH: install it (e.g. `apt-get install {name}`)"
    );
    Command::new(name)
}

fn stdout(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `curl -s -o - -w '%{http_code}' ARGS...`: the status code and the body.
pub fn curl(args: &[&str]) -> (u16, String) {
    let mut out = stdout(
        tool("curl")
            .args(["-s", "--max-time", "5", "-o", "-", "-w", "%{http_code}"])
            .args(args),
    );
    let code = out.split_off(out.len() - 3);
    (code.parse().unwrap(), out)
}

/// `curl -s -D - -o /dev/null ARGS...`: the response head.
pub fn curl_head(args: &[&str]) -> String {
    stdout(
        tool("curl")
            .args(["-s", "--max-time", "5", "-D", "-", "-o", "/dev/null"])
            .args(args),
    )
}

/// One request with Python's `http.client`: the status code and the body.
pub fn python(addr: SocketAddr, method: &str, path: &str, headers: &[&str]) -> (u16, String) {
    const SCRIPT: &str = "\
import http.client, sys
host, port, method, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
headers = dict(h.split(': ', 1) for h in sys.argv[5:])
connection = http.client.HTTPConnection(host, port, timeout=5)
connection.request(method, path, headers=headers)
response = connection.getresponse()
sys.stdout.write('%d\\n' % response.status)
sys.stdout.write(response.read().decode())
";
    let out = stdout(
        tool("python3")
            .args([
                "-c",
                SCRIPT,
                &addr.ip().to_string(),
                &addr.port().to_string(),
            ])
            .args([method, path])
            .args(headers),
    );
    let (code, body) = out.split_once('\n').unwrap();
    (code.parse().unwrap(), body.to_owned())
}

/// A response as it came over the socket.
pub struct Raw {
    pub code: u16,
    /// Status line and headers, without the empty line.
    pub head: String,
    pub body: Vec<u8>,
}

/// Sends `request` on a fresh connection and reads until the server closes.
pub fn raw(addr: SocketAddr, request: &[u8]) -> Raw {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no end of head");
    let head = String::from_utf8(response[..end].to_vec()).unwrap();
    Raw {
        code: head[9..12].parse().unwrap(),
        head,
        body: response[end + 4..].to_vec(),
    }
}

/// `GET /livez` on a fresh connection: the status code and the body.
pub fn livez(addr: SocketAddr) -> (u16, String) {
    let answer = raw(
        addr,
        b"GET /livez HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n",
    );
    (answer.code, String::from_utf8(answer.body).unwrap())
}

/// The kubelet's check, accepting `accept`: a fresh connection, one
/// request, the whole answer, 1 s to connect and 1 s per read; an answer
/// without a status code is code 0.
pub fn kubelet_get(addr: SocketAddr, accept: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1))?;
    stream.set_read_timeout(Some(Duration::from_secs(1)))?;
    write!(
        stream,
        "GET /livez HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: kube-probe/1.33\r\n\
         Accept: {accept}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let code = response
        .get(9..12)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map_or("", |(_, body)| body)
        .to_owned();
    Ok((code, body))
}
