//! The testbed's app: an HTTP/1.1 server on 127.0.0.1 that behaves like a scenario's `app`.
//!
//! Exactly `--workers C` worker threads serve requests; a request that finds all of them busy
//! waits in a first-in-first-out queue of at most `--queue-limit Q` places (not counting those
//! in service) and, when that is full too, is answered 503 at once: simroute's `Stage`. A worker
//! holds a request for a service time drawn from `--service` (seeded; drawn when the worker
//! takes it) by sleeping, so queueing is real while the CPU stays idle. Connections are kept
//! alive (nginx's upstream keep-alive reuses them); each has its own reader thread, which hands
//! the request to the queue and writes the answer when a worker is done.
//!
//! `--log FILE` gets one line per request served: the drawn and the actual (measured) service
//! time and the queue wait, in ms, so the run script can check the sleep overshoot. The chosen
//! port (`--port 0` picks a free one) is written to `--ready FILE` once the server listens.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Instant;

use simroute_testbed::{APP_STREAM, Dist, Options, Rng, ms, read_head};

const HELP: &str = "\
testbed-app: a C-worker HTTP/1.1 app with a bounded queue and sleep-based service times

  --port P            port on 127.0.0.1 (0: any free port; default 0)
  --workers C         worker threads (default 1)
  --queue-limit Q     waiting places, not counting requests in service, or `unbounded`
                      (default unbounded); a request finding them full gets 503 at once
  --service DIST      constant:MS | exponential:MEAN_MS | uniform:MIN_MS:MAX_MS (required)
  --seed N            seed of the service-time stream (default 1)
  --ready FILE        written with the port once listening
  --log FILE          one CSV line per request served: drawn_ms,actual_ms,wait_ms
";

struct Job {
    arrived: Instant,
    done: mpsc::Sender<()>,
}

struct Queue {
    waiting: VecDeque<Job>,
    busy: usize,
    rng: Rng,
}

struct App {
    workers: usize,
    queue_limit: usize,
    service: Dist,
    queue: Mutex<Queue>,
    wake: Condvar,
    log: Option<Mutex<File>>,
}

impl App {
    /// Admits a request (true) or refuses it because every worker and waiting place is taken.
    fn offer(&self, job: Job) -> bool {
        let mut q = self.queue.lock().expect("queue lock");
        if q.busy + q.waiting.len() >= self.workers.saturating_add(self.queue_limit) {
            return false;
        }
        q.waiting.push_back(job);
        drop(q);
        self.wake.notify_one();
        true
    }

    fn worker(&self) {
        loop {
            let (job, drawn) = {
                let mut q = self.queue.lock().expect("queue lock");
                let job = loop {
                    if let Some(job) = q.waiting.pop_front() {
                        break job;
                    }
                    q = self.wake.wait(q).expect("queue lock");
                };
                q.busy += 1;
                let drawn = self.service.sample_ms(&mut q.rng);
                (job, drawn)
            };
            let started = Instant::now();
            if drawn > 0.0 {
                thread::sleep(ms(drawn));
            }
            let actual = started.elapsed().as_secs_f64() * 1e3;
            let wait = (started - job.arrived).as_secs_f64() * 1e3;
            self.queue.lock().expect("queue lock").busy -= 1;
            // The reader may be gone (nginx closed the connection at its read timeout): the
            // app finishes the request anyway, as simroute's does.
            let _ = job.done.send(());
            if let Some(log) = &self.log {
                let _ = writeln!(
                    log.lock().expect("log lock"),
                    "{drawn:.4},{actual:.4},{wait:.4}"
                );
            }
        }
    }

    fn connection(&self, mut stream: TcpStream) -> io::Result<()> {
        stream.set_nodelay(true)?;
        let mut buf = Vec::new();
        loop {
            let Some(head) = read_head(&mut stream, &mut buf)? else {
                return Ok(());
            };
            // Skip a request body (nginx sends none for GET; be correct anyway).
            let mut body = head.content_length().saturating_sub(head.extra.len());
            let mut sink = [0u8; 4096];
            while body > 0 {
                let n = stream.read(&mut sink[..body.min(4096)])?;
                if n == 0 {
                    return Ok(());
                }
                body -= n;
            }
            let version_10 = head.first_line.ends_with("HTTP/1.0");
            let connection = head.header("connection").unwrap_or("").to_ascii_lowercase();
            let keep_alive = if version_10 {
                connection.contains("keep-alive")
            } else {
                !connection.contains("close")
            };
            let (tx, rx) = mpsc::channel();
            let admitted = self.offer(Job {
                arrived: Instant::now(),
                done: tx,
            });
            let (status, body) = if admitted {
                if rx.recv().is_err() {
                    return Ok(());
                }
                ("200 OK", "ok\n")
            } else {
                ("503 Service Unavailable", "queue full\n")
            };
            let response = format!(
                "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n{}\r\n{body}",
                body.len(),
                if keep_alive {
                    ""
                } else {
                    "Connection: close\r\n"
                },
            );
            stream.write_all(response.as_bytes())?;
            if !keep_alive {
                let _ = stream.shutdown(Shutdown::Write);
                return Ok(());
            }
        }
    }
}

fn run() -> Result<(), Option<String>> {
    let mut o = Options::parse(std::env::args().skip(1))?;
    let port: u16 = o.number("port", Some(0))?;
    let workers: usize = o.number("workers", Some(1))?;
    let queue_limit = match o.string("queue-limit", Some("unbounded"))?.as_str() {
        "unbounded" => usize::MAX,
        v => v
            .parse()
            .map_err(|_| format!("--queue-limit: `{v}` is not a whole number or `unbounded`"))?,
    };
    let service = Dist::parse(&o.string("service", None)?)?;
    let seed: u64 = o.number("seed", Some(1))?;
    let ready = o.optional("ready");
    let log = o.optional("log");
    o.finish()?;
    if workers == 0 {
        return Err(Some("--workers must be at least 1".into()));
    }
    let log = match log {
        Some(path) => Some(Mutex::new(
            File::create(&path).map_err(|e| format!("--log {path}: {e}"))?,
        )),
        None => None,
    };
    let listener = TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let app = Arc::new(App {
        workers,
        queue_limit,
        service,
        queue: Mutex::new(Queue {
            waiting: VecDeque::new(),
            busy: 0,
            rng: Rng::stream(seed, APP_STREAM),
        }),
        wake: Condvar::new(),
        log,
    });
    for _ in 0..workers {
        let app = Arc::clone(&app);
        thread::spawn(move || app.worker());
    }
    if let Some(path) = ready {
        std::fs::write(&path, format!("{port}\n")).map_err(|e| format!("--ready {path}: {e}"))?;
    }
    eprintln!(
        "testbed-app: listening on 127.0.0.1:{port}, {workers} workers, queue limit {}, service {service:?}",
        if queue_limit == usize::MAX {
            "unbounded".to_string()
        } else {
            queue_limit.to_string()
        }
    );
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                let app = Arc::clone(&app);
                thread::Builder::new()
                    .stack_size(128 * 1024)
                    .spawn(move || {
                        let _ = app.connection(stream);
                    })
                    .map_err(|e| format!("cannot start a connection thread: {e}"))?;
            }
            Err(e) => eprintln!("testbed-app: accept failed: {e}"),
        }
    }
    Ok(())
}

fn main() {
    match run() {
        Ok(()) => {}
        Err(None) => print!("{HELP}"),
        Err(Some(message)) => {
            eprintln!("testbed-app: {message}");
            std::process::exit(2);
        }
    }
}
