//! The servers the http benchmark measures, beside the one under test, and
//! how their CPU is read: from `/proc/.../schedstat`, in nanoseconds.

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpListener},
    process::Command,
};

/// CPU time of a thread of this process, in nanoseconds: the first field of
/// its `schedstat`.
pub fn thread_cpu_ns(task: &str) -> u64 {
    schedstat_ns(&format!("/proc/self/task/{task}/schedstat"))
}

fn schedstat_ns(path: &str) -> u64 {
    let text =
        std::fs::read_to_string(path).expect("read schedstat (the kernel needs CONFIG_SCHED_INFO)");
    text.split_whitespace().next().unwrap().parse().unwrap()
}

/// CPU time of every thread of process `pid`, in nanoseconds.
fn process_cpu_ns(pid: u32) -> u64 {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .map(|task| {
            let task = task.unwrap().file_name().into_string().unwrap();
            schedstat_ns(&format!("/proc/{pid}/task/{task}/schedstat"))
        })
        .sum()
}

/// The task id of the thread named `name`, which the thread sets itself
/// once it runs.
pub fn task_named(name: &str) -> String {
    for _ in 0..1000 {
        for entry in std::fs::read_dir("/proc/self/task").unwrap() {
            let task = entry.unwrap().file_name().into_string().unwrap();
            let comm = std::fs::read_to_string(format!("/proc/self/task/{task}/comm"));
            if comm.is_ok_and(|c| c.trim_end() == name) {
                return task;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    panic!("no thread named {name}");
}

/// A server under test: its address, the path it answers, its CPU so far.
pub struct Server {
    pub addr: SocketAddr,
    pub path: &'static str,
    pub cpu: Box<dyn Fn() -> u64>,
}

impl Server {
    pub fn thread(addr: SocketAddr, path: &'static str, name: &str) -> Server {
        let task = task_named(name);
        Server {
            addr,
            path,
            cpu: Box::new(move || thread_cpu_ns(&task)),
        }
    }
}

/// The axum server of `LIVENESS_BENCH_AXUM`, if given; killed at exit of
/// the returned child's owner.
pub fn axum() -> Option<(Server, std::process::Child)> {
    let program = std::env::var_os("LIVENESS_BENCH_AXUM")?;
    let mut child = Command::new(program)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start the axum server");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let pid = child.id();
    let server = Server {
        addr: line.trim().parse().expect("the axum server's address"),
        path: "/healthz",
        cpu: Box::new(move || process_cpu_ns(pid)),
    };
    Some((server, child))
}

/// The floor: a blocking server that answers every connection with a fixed
/// response, without parsing or judging. Its thread lives on, blocked in
/// `accept`.
pub fn floor() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::Builder::new()
        .name("liveness-floor".into())
        .spawn(move || {
            let mut buf = [0; 4096];
            for stream in listener.incoming() {
                let mut stream = stream.unwrap();
                let _ = stream.read(&mut buf);
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        })
        .unwrap();
    addr
}
