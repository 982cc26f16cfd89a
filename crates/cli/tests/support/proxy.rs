//! A fault-injecting TCP proxy between two units (this kernel has no `netem`): it
//! forwards bytes both ways, or delays them, resets connections, or swallows everything
//! (a partition), as the test sets it. Plain threads; every loop ends when its
//! connection closes or the proxy is dropped.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
    Pass,
    /// Every chunk waits this long before it is forwarded.
    Delay(Duration),
    /// Connections are reset (TCP RST) as soon as they are accepted or used.
    Reset,
    /// Bytes are accepted and dropped: neither side hears from the other.
    Partition,
}

pub struct Proxy {
    pub port: u16,
    mode: Arc<Mutex<Mode>>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    /// Listens on an OS-chosen port and forwards to 127.0.0.1:`target`.
    pub fn start(target: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(Mutex::new(Mode::Pass));
        let stop = Arc::new(AtomicBool::new(false));
        let (m, s) = (mode.clone(), stop.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        let _ = client.set_nonblocking(false);
                        if *m.lock().unwrap() == Mode::Reset {
                            reset(&client);
                            continue;
                        }
                        let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                            reset(&client);
                            continue;
                        };
                        pump(client.try_clone().unwrap(), server.try_clone().unwrap(), m.clone(), s.clone());
                        pump(server, client, m.clone(), s.clone());
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Proxy { port, mode, stop }
    }

    pub fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Closes `stream` with an RST instead of a FIN.
fn reset(stream: &TcpStream) {
    let linger = libc::linger { l_onoff: 1, l_linger: 0 };
    // SAFETY: setsockopt on an open socket with a properly sized option.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
    let _ = stream.shutdown(Shutdown::Both);
}

/// Copies `from` to `to` under the current mode until either side closes.
fn pump(mut from: TcpStream, mut to: TcpStream, mode: Arc<Mutex<Mode>>, stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        let _ = from.set_read_timeout(Some(Duration::from_millis(100)));
        let mut buf = [0u8; 16 * 1024];
        while !stop.load(Ordering::SeqCst) {
            let n = match from.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => continue,
                Err(_) => break,
            };
            let current = *mode.lock().unwrap();
            match current {
                Mode::Pass => {}
                Mode::Delay(d) => std::thread::sleep(d),
                Mode::Reset => {
                    reset(&from);
                    reset(&to);
                    return;
                }
                Mode::Partition => continue,
            }
            if to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}
