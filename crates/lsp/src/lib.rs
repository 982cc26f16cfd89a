//! The Pluto language server. It shares the database and queries of `pluto check`.
//!
//! Concurrency model: one `State` behind a mutex holds the database, the open documents
//! and the programs; the lock is taken briefly and never held across an `.await`.
//! Document notifications go through one channel and are applied strictly in order by
//! a single task. Semantic work runs on the blocking pool on a snapshot (a clone) of
//! the database; a later edit cancels it through salsa, and a panic inside it becomes an
//! error response instead of a dead server.

mod convert;

use std::collections::BTreeSet;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use pluto_db::{Db, FilePath, RootDatabase};
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

use crate::convert::{lsp_diagnostic, offset_of, range_of};

/// Serves the protocol over standard input and output until the client exits.
pub async fn run_stdio() {
    let (service, socket) = LspService::new(Backend::new);
    Server::new(tokio::io::stdin(), tokio::io::stdout(), socket).serve(service).await;
}

struct State {
    db: RootDatabase,
    /// Files that may start or belong to programs: the workspace's and the open ones'.
    candidates: BTreeSet<FilePath>,
    programs: Vec<pluto_db::Program>,
}

impl State {
    fn rediscover(&mut self) {
        let candidates: Vec<FilePath> = self.candidates.iter().cloned().collect();
        self.programs = pluto_db::workspace::discover_programs(&self.db, &candidates);
    }
}

enum DocumentEvent {
    Open(PathBuf, String),
    Change(PathBuf, Vec<TextDocumentContentChangeEvent>),
    Close(PathBuf),
}

struct Backend {
    state: Arc<Mutex<State>>,
    events: mpsc::UnboundedSender<DocumentEvent>,
}

impl Backend {
    fn new(client: Client) -> Backend {
        let state = Arc::new(Mutex::new(State {
            db: RootDatabase::default(),
            candidates: BTreeSet::new(),
            programs: Vec::new(),
        }));
        let (events, receiver) = mpsc::unbounded_channel();
        tokio::spawn(apply_events(client.clone(), state.clone(), receiver));
        Backend { state, events }
    }

    /// Runs `f` on a snapshot of the database off the async runtime. Cancellation by a
    /// newer edit and panics both end in an error response.
    async fn with_snapshot<T: Send + 'static>(
        &self,
        f: impl FnOnce(&RootDatabase, &[pluto_db::Program]) -> T + Send + 'static,
    ) -> Result<T> {
        let (db, programs) = {
            let state = self.state.lock().unwrap();
            (state.db.clone(), state.programs.clone())
        };
        let outcome = tokio::task::spawn_blocking(move || {
            std::panic::catch_unwind(AssertUnwindSafe(|| {
                salsa::Cancelled::catch(AssertUnwindSafe(|| f(&db, &programs)))
            }))
        })
        .await;
        match outcome {
            Ok(Ok(Ok(value))) => Ok(value),
            Ok(Ok(Err(_cancelled))) => Err(Error {
                code: tower_lsp_server::jsonrpc::ErrorCode::ServerError(-32802),
                message: "request cancelled by a newer edit".into(),
                data: None,
            }),
            Ok(Err(_)) | Err(_) => Err(Error::internal_error()),
        }
    }
}

fn path_of(uri: &Uri) -> Option<PathBuf> {
    uri.to_file_path().map(|p| p.into_owned())
}

/// The `.pluto` files in `dir` and below (skipping hidden and build directories).
fn pluto_files(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if depth < 16 && !name.starts_with('.') && name != "target" && name != "node_modules" {
                pluto_files(&path, out, depth + 1);
            }
        } else if path.extension().is_some_and(|e| e == "pluto") {
            out.push(path);
        }
    }
}

/// Applies document events in order, then publishes the diagnostics of every file of
/// the affected programs.
async fn apply_events(client: Client, state: Arc<Mutex<State>>, mut receiver: mpsc::UnboundedReceiver<DocumentEvent>) {
    while let Some(event) = receiver.recv().await {
        let snapshot = {
            let mut state = state.lock().unwrap();
            let state = &mut *state;
            match event {
                DocumentEvent::Open(path, text) => {
                    let file_path = FilePath::disk(&path);
                    state.db.open_file(&file_path);
                    state.db.set_file_text(&file_path, text);
                    let mut siblings = Vec::new();
                    if let Some(dir) = path.parent() {
                        pluto_files(dir, &mut siblings, 16);
                    }
                    let before = state.candidates.len();
                    state.candidates.insert(file_path);
                    state.candidates.extend(siblings.iter().map(FilePath::disk));
                    if state.candidates.len() != before || state.programs.is_empty() {
                        state.rediscover();
                    }
                }
                DocumentEvent::Change(path, changes) => {
                    let file_path = FilePath::disk(&path);
                    let file = state.db.file(&file_path);
                    let mut text = file.text(&state.db).clone();
                    for change in changes {
                        match change.range {
                            Some(range) => {
                                let index = pluto_db::LineIndex::new(&text);
                                let start = offset_of(&index, &text, range.start);
                                let end = offset_of(&index, &text, range.end).max(start);
                                text.replace_range(usize::from(start)..usize::from(end), &change.text);
                            }
                            None => text = change.text,
                        }
                    }
                    state.db.set_file_text(&file_path, text);
                }
                DocumentEvent::Close(path) => {
                    // Back to what is on disk.
                    let file_path = FilePath::disk(&path);
                    if let Ok(text) = std::fs::read_to_string(&path) {
                        state.db.set_file_text(&file_path, text);
                    }
                }
            }
            (state.db.clone(), state.programs.clone())
        };
        // Compute off the runtime; a newer event cancels this through salsa.
        let published = tokio::task::spawn_blocking(move || {
            let (db, programs) = snapshot;
            std::panic::catch_unwind(AssertUnwindSafe(|| {
                salsa::Cancelled::catch(AssertUnwindSafe(|| {
                    pluto_ide::diagnostics_by_file(&db, &programs)
                        .into_iter()
                        .filter_map(|(file, diagnostics)| {
                            let path = file.path(&db).as_disk()?.to_path_buf();
                            let path = std::fs::canonicalize(&path).unwrap_or(path);
                            let uri = Uri::from_file_path(&path)?;
                            let converted =
                                diagnostics.iter().map(|d| lsp_diagnostic(&db, d, &uri)).collect::<Vec<_>>();
                            Some((uri, converted))
                        })
                        .collect::<Vec<_>>()
                }))
            }))
        })
        .await;
        if let Ok(Ok(Ok(files))) = published {
            for (uri, diagnostics) in files {
                client.publish_diagnostics(uri, diagnostics, None).await;
            }
        }
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let mut roots: Vec<PathBuf> =
            params.workspace_folders.unwrap_or_default().iter().filter_map(|f| path_of(&f.uri)).collect();
        #[allow(deprecated)]
        if roots.is_empty()
            && let Some(root) = params.root_uri.as_ref().and_then(path_of)
        {
            roots.push(root);
        }
        {
            let mut state = self.state.lock().unwrap();
            for root in roots {
                let mut files = Vec::new();
                pluto_files(&root, &mut files, 0);
                state.candidates.extend(files.iter().map(FilePath::disk));
            }
            state.rediscover();
        }
        Ok(InitializeResult {
            server_info: Some(ServerInfo { name: "pluto".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
            capabilities: ServerCapabilities {
                text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::INCREMENTAL)),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                ..ServerCapabilities::default()
            },
            ..Default::default()
        })
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        if let Some(path) = path_of(&params.text_document.uri) {
            let _ = self.events.send(DocumentEvent::Open(path, params.text_document.text));
        }
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        if let Some(path) = path_of(&params.text_document.uri) {
            let _ = self.events.send(DocumentEvent::Change(path, params.content_changes));
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        if let Some(path) = path_of(&params.text_document.uri) {
            let _ = self.events.send(DocumentEvent::Close(path));
        }
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let position = params.text_document_position_params;
        let Some(path) = path_of(&position.text_document.uri) else { return Ok(None) };
        let hover = self
            .with_snapshot(move |db, programs| {
                let file = db.file(&FilePath::disk(&path));
                let program = pluto_ide::programs_of(db, programs, file).into_iter().next()?;
                let text = file.text(db);
                let index = pluto_db::LineIndex::new(text);
                let offset = offset_of(&index, text, position.position);
                let info = pluto_ide::hover(db, program, file, offset)?;
                Some(Hover {
                    contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: info.markdown }),
                    range: Some(range_of(&index, text, info.range)),
                })
            })
            .await?;
        Ok(hover)
    }
}
