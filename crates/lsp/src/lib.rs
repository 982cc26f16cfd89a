//! The Pluto language server. It shares the database and queries of `pluto check`.
//!
//! Concurrency model: one `State` behind a mutex holds the database, the open documents
//! and the programs; the lock is taken briefly and never held across an `.await`.
//! Document notifications go through one channel and are applied strictly in order by
//! a single task. Semantic work runs on the blocking pool on a snapshot (a clone) of
//! the database; a later edit cancels it through salsa, and a panic inside it becomes an
//! error response instead of a dead server.

mod convert;
mod transport;

use std::collections::BTreeSet;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use pluto_db::modules::line_index;
use pluto_db::workspace::pluto_files;
use pluto_db::{Db, FilePath, RootDatabase};
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

use crate::convert::{lsp_diagnostic, offset_of, range_of};

/// Serves the protocol over standard input and output until the client exits; returns
/// whether it exited cleanly (`shutdown` before `exit`).
pub async fn run_stdio() -> bool {
    let (service, socket) = LspService::new(Backend::new);
    let session = transport::Session::default();
    let (input, output) = transport::spawn(tokio::io::stdin(), tokio::io::stdout(), session.clone());
    Server::new(input, output, socket).serve(service).await;
    session.clean()
}

struct State {
    db: RootDatabase,
    /// Files that may start or belong to programs: the workspace's and the open ones'.
    candidates: BTreeSet<FilePath>,
    programs: Vec<pluto_db::Program>,
    /// Files open in the editor: their buffers win over the disk.
    open: BTreeSet<PathBuf>,
    /// Whether the client lets the server register for file-system events.
    watch_registration: bool,
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
    /// Files created, changed or deleted outside the editor.
    Watched(Vec<(PathBuf, FileChangeType)>),
}

struct Backend {
    client: Client,
    state: Arc<Mutex<State>>,
    events: mpsc::UnboundedSender<DocumentEvent>,
    /// How many document events were sent, and how many the queue has applied: a request
    /// waits until every event sent before it is applied.
    sent: std::sync::atomic::AtomicU64,
    applied: tokio::sync::watch::Receiver<u64>,
}

impl Backend {
    fn new(client: Client) -> Backend {
        let state = Arc::new(Mutex::new(State {
            db: RootDatabase::default(),
            candidates: BTreeSet::new(),
            programs: Vec::new(),
            open: BTreeSet::new(),
            watch_registration: false,
        }));
        let (events, receiver) = mpsc::unbounded_channel();
        let (applied_tx, applied) = tokio::sync::watch::channel(0);
        tokio::spawn(apply_events(client.clone(), state.clone(), receiver, applied_tx));
        Backend { client, state, events, sent: std::sync::atomic::AtomicU64::new(0), applied }
    }

    fn send(&self, event: DocumentEvent) {
        self.sent.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let _ = self.events.send(event);
    }

    /// Runs `f` on a snapshot of the database off the async runtime. Cancellation by a
    /// newer edit and panics both end in an error response.
    async fn with_snapshot<T: Send + 'static>(
        &self,
        f: impl FnOnce(&RootDatabase, &[pluto_db::Program]) -> T + Send + 'static,
    ) -> Result<T> {
        let target = self.sent.load(std::sync::atomic::Ordering::SeqCst);
        let mut applied = self.applied.clone();
        if applied.wait_for(|n| *n >= target).await.is_err() {
            return Err(Error::internal_error());
        }
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
            // A newer edit arrived while this was computed: the client asks again.
            Ok(Ok(Err(_cancelled))) => Err(Error {
                code: tower_lsp_server::jsonrpc::ErrorCode::ContentModified,
                message: "the document changed".into(),
                data: None,
            }),
            Ok(Err(_)) | Err(_) => Err(Error::internal_error()),
        }
    }
}

impl Backend {
    /// Runs a feature on a document, in the first program containing it, with its text
    /// and line index.
    async fn in_document<T: Send + 'static>(
        &self,
        uri: &Uri,
        f: impl FnOnce(&RootDatabase, pluto_db::Program, pluto_db::SourceFile, &str, &pluto_db::LineIndex) -> Option<T>
        + Send
        + 'static,
    ) -> Result<Option<T>> {
        let Some(path) = path_of(uri) else { return Ok(None) };
        self.with_snapshot(move |db, programs| {
            let file = db.file(&FilePath::disk(&path));
            let program = pluto_ide::programs_of(db, programs, file).into_iter().next()?;
            f(db, program, file, file.text(db), line_index(db, file))
        })
        .await
    }

    /// Runs a feature at a document position.
    async fn at_position<T: Send + 'static>(
        &self,
        position: TextDocumentPositionParams,
        f: impl FnOnce(&RootDatabase, pluto_db::Program, pluto_db::SourceFile, pluto_syntax::TextSize) -> Option<T>
        + Send
        + 'static,
    ) -> Result<Option<T>> {
        self.in_document(&position.text_document.uri, move |db, program, file, text, index| {
            f(db, program, file, offset_of(index, text, position.position))
        })
        .await
    }
}

fn location_of(db: &RootDatabase, nav: &pluto_ide::NavTarget) -> Option<Location> {
    Some(Location { uri: uri_of(db, nav.file)?, range: range_of(line_index(db, nav.file), nav.file.text(db), nav.range) })
}

fn uri_of(db: &RootDatabase, file: pluto_db::SourceFile) -> Option<Uri> {
    match file.path(db) {
        FilePath::Disk(p) => Uri::from_file_path(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())),
        // The standard library lives in the binary: hand editors a read-only copy.
        FilePath::Std(rel) => Uri::from_file_path(stdlib_copy(rel, file.text(db))?),
    }
}

/// A rename that cannot be done, with the reason the editor shows.
fn refused(why: String) -> Error {
    Error { code: tower_lsp_server::jsonrpc::ErrorCode::InvalidRequest, message: why.into(), data: None }
}

/// Writes a standard library module to a temporary directory so that editors can open
/// it (go to definition into the stdlib).
fn stdlib_copy(rel: &str, text: &str) -> Option<PathBuf> {
    let dir = std::env::temp_dir().join(format!("pluto-stdlib-{}", env!("CARGO_PKG_VERSION")));
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent()?).ok()?;
    if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
        std::fs::write(&path, text).ok()?;
    }
    Some(path)
}

fn completion_item(c: pluto_ide::Completion) -> CompletionItem {
    let kind = match c.kind {
        pluto_ide::CompletionKind::Field => CompletionItemKind::FIELD,
        pluto_ide::CompletionKind::Method => CompletionItemKind::METHOD,
        pluto_ide::CompletionKind::Function => CompletionItemKind::FUNCTION,
        pluto_ide::CompletionKind::Local => CompletionItemKind::VARIABLE,
        pluto_ide::CompletionKind::Type => CompletionItemKind::CLASS,
        pluto_ide::CompletionKind::Module => CompletionItemKind::MODULE,
        pluto_ide::CompletionKind::Variant => CompletionItemKind::ENUM_MEMBER,
        pluto_ide::CompletionKind::Keyword => CompletionItemKind::KEYWORD,
        pluto_ide::CompletionKind::Snippet => CompletionItemKind::SNIPPET,
    };
    let is_snippet = c.snippet.is_some();
    CompletionItem {
        label: c.label,
        kind: Some(kind),
        detail: c.detail,
        insert_text: c.snippet,
        insert_text_format: is_snippet.then_some(InsertTextFormat::SNIPPET),
        ..Default::default()
    }
}

fn symbol_kind(kind: pluto_ide::SymbolKind) -> SymbolKind {
    match kind {
        pluto_ide::SymbolKind::Function => SymbolKind::FUNCTION,
        pluto_ide::SymbolKind::Method => SymbolKind::METHOD,
        pluto_ide::SymbolKind::Class => SymbolKind::CLASS,
        pluto_ide::SymbolKind::Enum => SymbolKind::ENUM,
        pluto_ide::SymbolKind::Variant => SymbolKind::ENUM_MEMBER,
        pluto_ide::SymbolKind::Trait => SymbolKind::INTERFACE,
        pluto_ide::SymbolKind::Error => SymbolKind::STRUCT,
        pluto_ide::SymbolKind::Stage => SymbolKind::MODULE,
        pluto_ide::SymbolKind::Field => SymbolKind::FIELD,
    }
}

fn document_symbol(index: &pluto_db::LineIndex, text: &str, s: pluto_ide::Symbol) -> DocumentSymbol {
    #[allow(deprecated)]
    DocumentSymbol {
        name: s.name,
        detail: None,
        kind: symbol_kind(s.kind),
        tags: None,
        deprecated: None,
        range: range_of(index, text, s.range),
        selection_range: range_of(index, text, s.name_range),
        children: Some(s.children.into_iter().map(|c| document_symbol(index, text, c)).collect()),
    }
}

fn path_of(uri: &Uri) -> Option<PathBuf> {
    uri.to_file_path().map(|p| p.into_owned())
}

/// Applies document events in order, then publishes the diagnostics of every file of
/// the affected programs.
async fn apply_events(
    client: Client,
    state: Arc<Mutex<State>>,
    mut receiver: mpsc::UnboundedReceiver<DocumentEvent>,
    applied: tokio::sync::watch::Sender<u64>,
) {
    // What each file was last told, so that only changes are sent.
    let mut published: std::collections::HashMap<Uri, Vec<Diagnostic>> = std::collections::HashMap::new();
    while let Some(event) = receiver.recv().await {
        let snapshot = {
            let mut state = state.lock().unwrap();
            let state = &mut *state;
            match event {
                DocumentEvent::Open(path, text) => {
                    state.open.insert(path.clone());
                    let file_path = FilePath::disk(&path);
                    state.db.open_file(&file_path);
                    state.db.set_file_text(&file_path, text);
                    let siblings = path.parent().map(|dir| pluto_files(dir, false).0).unwrap_or_default();
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
                    state.open.remove(&path);
                    let file_path = FilePath::disk(&path);
                    if let Ok(text) = std::fs::read_to_string(&path) {
                        state.db.set_file_text(&file_path, text);
                    }
                }
                DocumentEvent::Watched(changes) => {
                    for (path, change) in changes {
                        if state.open.contains(&path) || path.extension().is_none_or(|e| e != "pluto") {
                            continue;
                        }
                        let file_path = FilePath::disk(&path);
                        state.db.reload_file(&file_path);
                        if change == FileChangeType::DELETED {
                            state.candidates.remove(&file_path);
                        } else {
                            state.candidates.insert(file_path);
                        }
                    }
                    state.rediscover();
                }
            }
            (state.db.clone(), state.programs.clone())
        };
        applied.send_modify(|n| *n += 1);
        // Compute off the runtime; a newer event cancels this through salsa.
        let computed = tokio::task::spawn_blocking(move || {
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
        if let Ok(Ok(Ok(files))) = computed {
            for (uri, diagnostics) in files {
                if published.get(&uri) != Some(&diagnostics) {
                    published.insert(uri.clone(), diagnostics.clone());
                    client.publish_diagnostics(uri, diagnostics, None).await;
                }
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
        let dynamic = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        {
            let mut state = self.state.lock().unwrap();
            state.watch_registration = dynamic;
            for root in roots {
                // An editor works with what it can read: unreadable directories are skipped.
                let (files, _) = pluto_files(&root, true);
                state.candidates.extend(files.iter().map(FilePath::disk));
            }
            state.rediscover();
        }
        Ok(InitializeResult {
            server_info: Some(ServerInfo { name: "pluto".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
            capabilities: ServerCapabilities {
                text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::INCREMENTAL)),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                document_symbol_provider: Some(OneOf::Left(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec![".".to_string()]),
                    ..Default::default()
                }),
                signature_help_provider: Some(SignatureHelpOptions {
                    trigger_characters: Some(vec!["(".to_string(), ",".to_string()]),
                    ..Default::default()
                }),
                inlay_hint_provider: Some(OneOf::Left(true)),
                code_lens_provider: Some(CodeLensOptions { resolve_provider: Some(false) }),
                document_formatting_provider: Some(OneOf::Left(true)),
                code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                })),
                semantic_tokens_provider: Some(
                    SemanticTokensOptions {
                        legend: convert::semantic_legend(),
                        full: Some(SemanticTokensFullOptions::Bool(true)),
                        ..Default::default()
                    }
                    .into(),
                ),
                ..ServerCapabilities::default()
            },
            ..Default::default()
        })
    }

    /// Asks the client to report `.pluto` files created, changed or deleted outside the
    /// editor, when it lets servers register for that (VS Code also sends them from the
    /// extension's own watcher).
    async fn initialized(&self, _: InitializedParams) {
        if !self.state.lock().unwrap().watch_registration {
            return;
        }
        let options = DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![FileSystemWatcher { glob_pattern: GlobPattern::String("**/*.pluto".into()), kind: None }],
        };
        let registration = Registration {
            id: "pluto-watched-files".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: serde_json::to_value(options).ok(),
        };
        let _ = self.client.register_capability(vec![registration]).await;
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let changes = params.changes.into_iter().filter_map(|c| Some((path_of(&c.uri)?, c.typ))).collect();
        self.send(DocumentEvent::Watched(changes));
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        if let Some(path) = path_of(&params.text_document.uri) {
            self.send(DocumentEvent::Open(path, params.text_document.text));
        }
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        if let Some(path) = path_of(&params.text_document.uri) {
            self.send(DocumentEvent::Change(path, params.content_changes));
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        if let Some(path) = path_of(&params.text_document.uri) {
            self.send(DocumentEvent::Close(path));
        }
    }

    async fn goto_definition(&self, params: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
        let position = params.text_document_position_params;
        let location = self
            .at_position(position, |db, program, file, offset| {
                let nav = pluto_ide::goto_definition(db, program, file, offset)?;
                location_of(db, &nav)
            })
            .await?;
        Ok(location.map(GotoDefinitionResponse::Scalar))
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let include_declaration = params.context.include_declaration;
        let locations = self
            .at_position(params.text_document_position, move |db, program, file, offset| {
                let found = pluto_ide::references(db, program, file, offset);
                let skip = usize::from(!include_declaration);
                Some(found.iter().skip(skip).filter_map(|nav| location_of(db, nav)).collect::<Vec<_>>())
            })
            .await?;
        Ok(locations)
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let items = self
            .at_position(params.text_document_position, |db, program, file, offset| {
                let items = pluto_ide::completions(db, program, file, offset)
                    .into_iter()
                    .map(completion_item)
                    .collect::<Vec<_>>();
                Some(items)
            })
            .await?;
        Ok(items.map(CompletionResponse::Array))
    }

    async fn signature_help(&self, params: SignatureHelpParams) -> Result<Option<SignatureHelp>> {
        let help = self
            .at_position(params.text_document_position_params, |db, program, file, offset| {
                let help = pluto_ide::signature_help(db, program, file, offset)?;
                Some(SignatureHelp {
                    signatures: vec![SignatureInformation {
                        label: help.label,
                        documentation: None,
                        parameters: Some(
                            help.parameters
                                .iter()
                                .map(|(a, b)| ParameterInformation {
                                    label: ParameterLabel::LabelOffsets([*a, *b]),
                                    documentation: None,
                                })
                                .collect(),
                        ),
                        active_parameter: Some(help.active_parameter),
                    }],
                    active_signature: Some(0),
                    active_parameter: Some(help.active_parameter),
                })
            })
            .await?;
        Ok(help)
    }

    async fn document_symbol(&self, params: DocumentSymbolParams) -> Result<Option<DocumentSymbolResponse>> {
        let Some(path) = path_of(&params.text_document.uri) else { return Ok(None) };
        let symbols = self
            .with_snapshot(move |db, _| {
                let file = db.file(&FilePath::disk(&path));
                let (text, index) = (file.text(db), line_index(db, file));
                pluto_ide::document_symbols(db, file)
                    .into_iter()
                    .map(|s| document_symbol(index, text, s))
                    .collect::<Vec<_>>()
            })
            .await?;
        Ok(Some(DocumentSymbolResponse::Nested(symbols)))
    }

    /// The whole document in `pluto fmt`'s layout, as one edit; none when it has syntax
    /// errors (nothing to do then, as `rustfmt` and `gofmt` leave such files alone).
    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let Some(path) = path_of(&params.text_document.uri) else { return Ok(None) };
        self.with_snapshot(move |db, _| {
            let file = db.file(&FilePath::disk(&path));
            let (text, index) = (file.text(db), line_index(db, file));
            let formatted = pluto_ide::format(text).ok()?;
            if formatted == *text {
                return Some(Vec::new());
            }
            let whole = pluto_syntax::TextRange::up_to(pluto_syntax::TextSize::of(text));
            Some(vec![TextEdit { range: range_of(index, text, whole), new_text: formatted }])
        })
        .await
    }

    async fn prepare_rename(&self, params: TextDocumentPositionParams) -> Result<Option<PrepareRenameResponse>> {
        let found = self
            .in_document(&params.text_document.uri, move |db, program, file, text, index| {
                let offset = offset_of(index, text, params.position);
                Some(pluto_ide::prepare_rename(db, program, file, offset).map(|r| range_of(index, text, r)))
            })
            .await?;
        match found {
            Some(Ok(range)) => Ok(Some(PrepareRenameResponse::Range(range))),
            Some(Err(why)) => Err(refused(why)),
            None => Ok(None),
        }
    }

    /// Renames across every file of the program, or refuses with the reason.
    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let new_name = params.new_name;
        let found = self
            .at_position(params.text_document_position, move |db, program, file, offset| {
                let changes = match pluto_ide::rename(db, program, file, offset, &new_name) {
                    Ok(changes) => changes,
                    Err(why) => return Some(Err(why)),
                };
                let mut edits = std::collections::HashMap::new();
                for change in changes {
                    let (text, index) = (change.file.text(db), line_index(db, change.file));
                    let file_edits = change
                        .edits
                        .iter()
                        .map(|(r, new)| TextEdit { range: range_of(index, text, *r), new_text: new.clone() })
                        .collect();
                    edits.insert(uri_of(db, change.file)?, file_edits);
                }
                Some(Ok(WorkspaceEdit { changes: Some(edits), ..Default::default() }))
            })
            .await?;
        found.transpose().map_err(refused)
    }

    /// Quick fixes for the diagnostics in the requested range.
    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri.clone();
        let range = params.range;
        self.in_document(&params.text_document.uri, move |db, program, file, text, index| {
            let start = offset_of(index, text, range.start);
            let wanted = pluto_syntax::TextRange::new(start, offset_of(index, text, range.end).max(start));
            let actions = pluto_ide::code_actions(db, program, file, wanted)
                .into_iter()
                .map(|action| {
                    let edits = action
                        .edits
                        .iter()
                        .map(|(r, new)| TextEdit { range: range_of(index, text, *r), new_text: new.clone() })
                        .collect();
                    CodeActionOrCommand::CodeAction(CodeAction {
                        title: action.title,
                        kind: Some(CodeActionKind::QUICKFIX),
                        edit: Some(WorkspaceEdit {
                            changes: Some([(uri.clone(), edits)].into_iter().collect()),
                            ..Default::default()
                        }),
                        ..Default::default()
                    })
                })
                .collect();
            Some(actions)
        })
        .await
    }

    async fn semantic_tokens_full(&self, params: SemanticTokensParams) -> Result<Option<SemanticTokensResult>> {
        let tokens = self
            .in_document(&params.text_document.uri, |db, program, file, text, index| {
                let tokens = pluto_ide::semantic_tokens(db, program, file);
                Some(convert::semantic_tokens(index, text, &tokens))
            })
            .await?;
        Ok(tokens.map(|data| SemanticTokensResult::Tokens(SemanticTokens { result_id: None, data })))
    }

    async fn symbol(&self, params: WorkspaceSymbolParams) -> Result<Option<WorkspaceSymbolResponse>> {
        let query = params.query;
        let symbols = self
            .with_snapshot(move |db, programs| {
                let mut files = Vec::new();
                for program in programs {
                    for module in &pluto_db::modules::module_graph(db, *program).modules {
                        if !files.contains(&module.file) && !module.file.path(db).is_std() {
                            files.push(module.file);
                        }
                    }
                }
                pluto_ide::workspace_symbols(db, &files, &query)
                    .into_iter()
                    .filter_map(|(file, symbol)| {
                        let location = location_of(db, &pluto_ide::NavTarget { file, range: symbol.name_range })?;
                        #[allow(deprecated)]
                        Some(SymbolInformation {
                            name: symbol.name,
                            kind: symbol_kind(symbol.kind),
                            tags: None,
                            deprecated: None,
                            location,
                            container_name: None,
                        })
                    })
                    .collect::<Vec<_>>()
            })
            .await?;
        Ok(Some(WorkspaceSymbolResponse::Flat(symbols)))
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let hints = self
            .in_document(&params.text_document.uri, |db, program, file, text, index| {
                let hints = pluto_ide::inlay_hints(db, program, file)
                    .into_iter()
                    .map(|h| InlayHint {
                        position: convert::position_of(index, text, h.offset),
                        label: InlayHintLabel::String(h.label),
                        kind: None,
                        text_edits: None,
                        tooltip: Some(InlayHintTooltip::String("errors this function can raise, inferred".into())),
                        padding_left: Some(true),
                        padding_right: Some(true),
                        data: None,
                    })
                    .collect::<Vec<_>>();
                Some(hints)
            })
            .await?;
        Ok(hints)
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        let lenses = self
            .in_document(&params.text_document.uri, |db, program, file, text, index| {
                let lenses = pluto_ide::code_lenses(db, program, file)
                    .into_iter()
                    .map(|l| CodeLens {
                        range: range_of(index, text, l.range),
                        command: Some(Command { title: l.title, command: String::new(), arguments: None }),
                        data: None,
                    })
                    .collect::<Vec<_>>();
                Some(lenses)
            })
            .await?;
        Ok(lenses)
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let position = params.text_document_position_params;
        let hover = self
            .at_position(position, move |db, program, file, offset| {
                let info = pluto_ide::hover(db, program, file, offset)?;
                Some(Hover {
                    contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: info.markdown }),
                    range: Some(range_of(line_index(db, file), file.text(db), info.range)),
                })
            })
            .await?;
        Ok(hover)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panic_in_a_request_becomes_an_error_and_the_server_keeps_serving() {
        let (service, _socket) = LspService::new(Backend::new);
        let backend = service.inner();
        let failed = backend.with_snapshot(|_, _| -> u32 { panic!("a bug in a feature") }).await;
        assert_eq!(failed.unwrap_err().code, tower_lsp_server::jsonrpc::ErrorCode::InternalError);
        let served = backend.with_snapshot(|_, programs| programs.len()).await;
        assert_eq!(served.unwrap(), 0);
    }
}
