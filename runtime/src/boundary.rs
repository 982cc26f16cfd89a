//! Fault boundaries (SPEC §2, §4.5): a runtime fault inside a call into another unit —
//! a request served over gRPC, or a colocated cross-unit call — ends that call only. The
//! call is run by [`run`], which records the caller's registers; a fault inside (see
//! `fault::fault` and the stack-overflow handler) jumps straight back there with the
//! fault's description, abandoning the frames in between. Those frames are generated
//! code (which owns no resources) and the runtime function that detected the fault; the
//! locks taken inside — of units (`locks::release_to`) and of collections
//! (`collections::release_stripes_to`) — are released here.
//!
//! The jump is a hand-written pair of x86-64 functions, as small as `setjmp`/`longjmp`
//! but returning only once: `pluto_try` saves the callee-saved registers, the stack
//! pointer and its return address, then calls the body; `pluto_escape` restores them and
//! makes `pluto_try` return 1.

use std::cell::{Cell, RefCell};

/// What `pluto_try` saves: rbx, rbp, r12–r15, the stack pointer after return, the return
/// address.
#[repr(C)]
#[derive(Default)]
struct Jump {
    registers: [u64; 8],
}

thread_local! {
    /// The innermost boundary of this thread, if any.
    static ACTIVE: Cell<*mut Jump> = const { Cell::new(std::ptr::null_mut()) };
    /// The description of the fault that crossed the innermost boundary.
    static FAULT: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Set when the fault was a stack overflow (reported from the signal handler, which
    /// cannot build a description).
    static OVERFLOWED: Cell<bool> = const { Cell::new(false) };
}

#[cfg(target_arch = "x86_64")]
#[unsafe(naked)]
unsafe extern "C" fn pluto_try(body: extern "C" fn(*mut u8), context: *mut u8, jump: *mut Jump) -> i64 {
    std::arch::naked_asm!(
        "mov [rdx], rbx",
        "mov [rdx + 8], rbp",
        "mov [rdx + 16], r12",
        "mov [rdx + 24], r13",
        "mov [rdx + 32], r14",
        "mov [rdx + 40], r15",
        "lea rax, [rsp + 8]",
        "mov [rdx + 48], rax",
        "mov rax, [rsp]",
        "mov [rdx + 56], rax",
        // Keep the stack 16-byte aligned for the body.
        "sub rsp, 8",
        "mov rax, rdi",
        "mov rdi, rsi",
        "call rax",
        "add rsp, 8",
        "xor eax, eax",
        "ret",
    )
}

#[cfg(target_arch = "x86_64")]
#[unsafe(naked)]
unsafe extern "C" fn pluto_escape(jump: *const Jump) -> ! {
    std::arch::naked_asm!(
        "mov rbx, [rdi]",
        "mov rbp, [rdi + 8]",
        "mov r12, [rdi + 16]",
        "mov r13, [rdi + 24]",
        "mov r14, [rdi + 32]",
        "mov r15, [rdi + 40]",
        "mov rsp, [rdi + 48]",
        "mov eax, 1",
        "jmp qword ptr [rdi + 56]",
    )
}

/// Runs `body`; a fault inside it ends it early and is returned as its description.
pub fn run<F: FnOnce() -> R, R>(body: F) -> Result<R, String> {
    struct Context<F, R> {
        body: Option<F>,
        result: Option<R>,
    }
    extern "C" fn call<F: FnOnce() -> R, R>(context: *mut u8) {
        // SAFETY: `context` is the `Context` below, alive for the whole call.
        let context = unsafe { &mut *(context as *mut Context<F, R>) };
        if let Some(body) = context.body.take() {
            context.result = Some(body());
        }
    }
    let mut context = Context { body: Some(body), result: None };
    let mut jump = Jump::default();
    let outer = ACTIVE.with(|a| a.replace(&mut jump));
    let locks = crate::locks::depth();
    let stripes = crate::collections::stripes_held();
    let critical = crate::threads::critical_depth();
    // SAFETY: `call` matches the context's types; `jump` outlives the call.
    let escaped = unsafe {
        pluto_try(call::<F, R>, &mut context as *mut Context<F, R> as *mut u8, &mut jump as *mut Jump)
    };
    ACTIVE.with(|a| a.set(outer));
    if escaped != 0 {
        // The abandoned frames are gone: put this thread's bookkeeping back as it was.
        crate::locks::release_to(locks);
        crate::collections::release_stripes_to(stripes);
        crate::threads::set_critical_depth(critical);
        let overflowed = OVERFLOWED.with(|o| o.replace(false));
        let what = FAULT.with(|f| f.borrow_mut().take()).unwrap_or_else(|| {
            if overflowed { "stack overflow (recursion too deep)".into() } else { "runtime fault".into() }
        });
        // The body was abandoned mid-way; it owns nothing that needs dropping.
        std::mem::forget(context);
        return Err(what);
    }
    context.result.ok_or_else(|| "runtime fault".into())
}

/// Whether this thread is inside a boundary.
pub fn active() -> bool {
    !ACTIVE.with(|a| a.get()).is_null()
}

/// Ends the innermost boundary's call with the fault `what`; returns only when the thread
/// is not inside one.
pub fn escape(what: String) {
    let jump = ACTIVE.with(|a| a.get());
    if jump.is_null() {
        return;
    }
    FAULT.with(|f| *f.borrow_mut() = Some(what));
    // SAFETY: `jump` was filled by `pluto_try` in a frame that is still live (it clears
    // `ACTIVE` before returning).
    unsafe { pluto_escape(jump) }
}

/// `escape` from the stack-overflow handler: only async-signal-safe steps before the
/// jump (the description is a static string; the handler's signal is unblocked first,
/// since the handler itself never returns).
pub fn escape_from_signal(signal: i32) {
    let jump = ACTIVE.with(|a| a.get());
    if jump.is_null() {
        return;
    }
    OVERFLOWED.with(|o| o.set(true));
    // SAFETY: plain POSIX calls on a local signal set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, signal);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        pluto_escape(jump)
    }
}

/// Reports, on stderr, a fault that ended a call into `qualified` (`calc.divide`), and
/// returns how the caller's `NetworkError` describes it (the same whether the unit is in
/// another process or in this one).
pub fn ended_call(qualified: &str, fault: &str) -> String {
    crate::io::flush();
    eprintln!("fault: {fault}\n  (ended the call to {qualified}; the unit keeps serving)");
    format!("fault in {qualified}: {fault}")
}

/// The reason of the `NetworkError` raised where a call ended by a fault was made.
pub fn fault_reason(ended: &str) -> String {
    format!("remote fault: {ended}")
}

/// What a colocated cross-unit call needs besides its function (static data the compiler
/// emits): the descriptor of `NetworkError`, and the callee's unit and function names.
#[repr(C)]
pub struct LocalCall {
    pub network_error: *const crate::value::AdtDesc,
    pub unit: *const u8,
    pub method: *const u8,
}

/// A call into another unit held by this executable: `code` (the callee's handler, which
/// takes the arguments as a block of words) runs inside a fault boundary holding the
/// unit's `lock`. A fault ends the call only; the caller gets `NetworkError`, exactly as
/// if the unit were in another process.
///
/// # Safety
/// `args` must hold the callee's arguments and `call` be the compiler's descriptor.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pluto_local_call(
    code: extern "C" fn(*const crate::value::Word) -> crate::value::Outcome,
    args: *const crate::value::Word,
    lock: *const crate::locks::UnitLock,
    call: *const LocalCall,
) -> crate::value::Outcome {
    let outcome = run(|| {
        crate::locks::lock(lock);
        let outcome = code(args);
        crate::locks::unlock(lock);
        outcome
    });
    match outcome {
        Ok(outcome) => outcome,
        Err(fault) => {
            // SAFETY: per the contract.
            let call = unsafe { &*call };
            let (unit, method) = (crate::value::cstr(call.unit), crate::value::cstr(call.method));
            let qualified = format!("{unit}.{method}");
            let reason = fault_reason(&ended_call(&qualified, &fault));
            let site = crate::value::static_site(&format!("{qualified} (call into unit `{unit}`)"));
            let error =
                crate::value::new_error(call.network_error, site, &[("reason", &reason), ("stage", unit), ("method", method)]);
            crate::value::Outcome { value: 0, error }
        }
    }
}
