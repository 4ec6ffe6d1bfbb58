//! The testbed's client: an open-loop load generator.
//!
//! Arrival times are drawn up front as a Poisson process at `--rate-rps` (seeded) and a sender
//! thread starts each request at its absolute time on a thread of its own, so a slow answer
//! never delays the next arrival (a closed loop would slow down with the server and hide the
//! queueing). Every request opens a new connection (`Connection: close`), as a scenario source
//! with `connections = 0`. A request's latency runs from its scheduled arrival to the last byte
//! of the answer, so any lag of the sender counts against the system, not for it.
//!
//! `--out FILE` gets a CSV: `arrival_s,latency_ms,status,detail`, where `status` is the HTTP
//! status or 0 when no HTTP answer came (`detail`: refused, closed, reset, timeout, ...). The
//! first line is a comment with the wall-clock start (Unix seconds), so events such as killing
//! the app can be placed on the same time axis.

use std::fs::File;
use std::io::{self, BufWriter, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use simroute_testbed::{LOAD_STREAM, Options, Rng, read_head};

const HELP: &str = "\
testbed-load: open-loop Poisson load, one new connection per request

  --addr HOST:PORT    where to send (required)
  --path PATH         request path (default /)
  --rate-rps R        mean arrival rate (required)
  --duration-s D      arrivals during [0, D) seconds (required)
  --timeout-s T       give up on a request after T seconds (default 30)
  --seed N            seed of the arrival times (default 1)
  --out FILE          CSV of every request (required)
";

struct Outcome {
    arrival_s: f64,
    latency_ms: f64,
    status: u16,
    detail: String,
}

fn classify(e: &io::Error) -> &'static str {
    match e.kind() {
        ErrorKind::ConnectionRefused => "refused",
        ErrorKind::ConnectionReset => "reset",
        ErrorKind::ConnectionAborted => "aborted",
        ErrorKind::UnexpectedEof => "closed",
        ErrorKind::BrokenPipe => "broken_pipe",
        ErrorKind::WouldBlock | ErrorKind::TimedOut => "timeout",
        _ => "io_error",
    }
}

/// One request on a new connection: the status, or why there was none.
fn request(addr: SocketAddr, path: &str, deadline: Instant) -> Result<u16, &'static str> {
    let left = |now: Instant| {
        deadline
            .checked_duration_since(now)
            .filter(|d| !d.is_zero())
            .ok_or("timeout")
    };
    let mut stream =
        TcpStream::connect_timeout(&addr, left(Instant::now())?).map_err(|e| classify(&e))?;
    stream.set_nodelay(true).map_err(|e| classify(&e))?;
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: testbed\r\nConnection: close\r\n\r\n").into_bytes();
    stream.write_all(&request).map_err(|e| classify(&e))?;
    stream
        .set_read_timeout(Some(left(Instant::now())?))
        .map_err(|e| classify(&e))?;
    let mut buf = Vec::new();
    let head = match read_head(&mut stream, &mut buf) {
        Ok(Some(head)) => head,
        Ok(None) => return Err("closed"),
        Err(e) => return Err(classify(&e)),
    };
    let status = head
        .first_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or("bad_status_line")?;
    // Read the body to its end: the latency is to the last byte.
    let mut body = head.content_length().saturating_sub(head.extra.len());
    let mut sink = [0u8; 4096];
    while body > 0 {
        stream
            .set_read_timeout(Some(left(Instant::now())?))
            .map_err(|e| classify(&e))?;
        match stream.read(&mut sink[..body.min(4096)]) {
            Ok(0) => return Err("closed_in_body"),
            Ok(n) => body -= n,
            Err(e) => return Err(classify(&e)),
        }
    }
    Ok(status)
}

fn run() -> Result<(), Option<String>> {
    let mut o = Options::parse(std::env::args().skip(1))?;
    let addr: SocketAddr = o
        .string("addr", None)?
        .parse()
        .map_err(|_| "--addr must be HOST:PORT with a numeric address".to_string())?;
    let path = o.string("path", Some("/"))?;
    let rate: f64 = o.number("rate-rps", None)?;
    let duration: f64 = o.number("duration-s", None)?;
    let timeout: f64 = o.number("timeout-s", Some(30.0))?;
    let seed: u64 = o.number("seed", Some(1))?;
    let out = o.string("out", None)?;
    o.finish()?;
    if !(rate.is_finite() && rate > 0.0) {
        return Err(Some("--rate-rps must be greater than 0".into()));
    }
    if !(duration.is_finite() && duration > 0.0) {
        return Err(Some("--duration-s must be greater than 0".into()));
    }
    if !(timeout.is_finite() && timeout > 0.0) {
        return Err(Some("--timeout-s must be greater than 0".into()));
    }
    let mut file = BufWriter::new(File::create(&out).map_err(|e| format!("--out {out}: {e}"))?);

    let mut rng = Rng::stream(seed, LOAD_STREAM);
    let mut arrivals = Vec::new();
    let mut t = 0.0;
    loop {
        t += rng.exp1() / rate;
        if t >= duration {
            break;
        }
        arrivals.push(t);
    }

    let (tx, rx) = mpsc::channel::<Outcome>();
    let wall_start = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs_f64();
    let start = Instant::now();
    let mut late_max = 0.0f64;
    for &arrival in &arrivals {
        let at = start + Duration::from_secs_f64(arrival);
        let now = Instant::now();
        if at > now {
            thread::sleep(at - now);
        } else {
            late_max = late_max.max((now - at).as_secs_f64());
        }
        let tx = tx.clone();
        let path = path.clone();
        let deadline = at + Duration::from_secs_f64(timeout);
        thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || {
                let result = request(addr, &path, deadline);
                let latency_ms = at.elapsed().as_secs_f64() * 1e3;
                let (status, detail) = match result {
                    Ok(status) => (status, String::new()),
                    Err(why) => (0, why.to_string()),
                };
                let _ = tx.send(Outcome {
                    arrival_s: arrival,
                    latency_ms,
                    status,
                    detail,
                });
            })
            .map_err(|e| format!("cannot start a request thread: {e}"))?;
    }
    drop(tx);
    let mut outcomes: Vec<Outcome> = rx.iter().collect();
    outcomes.sort_by(|a, b| a.arrival_s.total_cmp(&b.arrival_s));
    let io = |e: io::Error| format!("--out {out}: {e}");
    writeln!(
        file,
        "# wall_start_s={wall_start:.6} rate_rps={rate} duration_s={duration} seed={seed} sender_late_max_ms={:.3}",
        late_max * 1e3
    )
    .map_err(io)?;
    writeln!(file, "arrival_s,latency_ms,status,detail").map_err(io)?;
    for r in &outcomes {
        writeln!(
            file,
            "{:.6},{:.4},{},{}",
            r.arrival_s, r.latency_ms, r.status, r.detail
        )
        .map_err(io)?;
    }
    file.flush().map_err(io)?;
    let ok = outcomes.iter().filter(|r| r.status == 200).count();
    eprintln!(
        "testbed-load: {} requests, {ok} answered 200, sender at most {:.3} ms late",
        outcomes.len(),
        late_max * 1e3
    );
    Ok(())
}

fn main() {
    match run() {
        Ok(()) => {}
        Err(None) => print!("{HELP}"),
        Err(Some(message)) => {
            eprintln!("testbed-load: {message}");
            std::process::exit(2);
        }
    }
}
