// The Pluto extension: starts `pluto lsp` and connects VS Code to it.
import * as fs from "fs";
import * as path from "path";
import { ExtensionContext, window, workspace } from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions } from "vscode-languageclient/node";

let client: LanguageClient | undefined;

/** The executable to run: an explicit path, or a bare name found on PATH. */
function findServer(configured: string): string | undefined {
  if (configured.includes(path.sep) || configured.includes("/")) {
    return fs.existsSync(configured) ? configured : undefined;
  }
  const extensions = process.platform === "win32" ? [".exe", ".cmd", ""] : [""];
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    for (const ext of extensions) {
      const candidate = path.join(dir, configured + ext);
      if (dir && fs.existsSync(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

export async function activate(context: ExtensionContext): Promise<void> {
  const configured = workspace.getConfiguration("pluto").get<string>("server.path", "pluto");
  const command = findServer(configured);
  if (!command) {
    void window.showErrorMessage(
      `Pluto: the language server \`${configured}\` was not found. ` +
        "Install it with `cargo install --path crates/cli` from a clone of the Pluto repository, " +
        "or set `pluto.server.path` to the `pluto` executable."
    );
    return;
  }
  const serverOptions: ServerOptions = { command, args: ["lsp"] };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "pluto" }],
    // Files created, changed or deleted outside the editor (git checkout, generators)
    // update the program the server checks.
    synchronize: { fileEvents: workspace.createFileSystemWatcher("**/*.pluto") },
  };
  client = new LanguageClient("pluto", "Pluto", serverOptions, clientOptions);
  context.subscriptions.push(client);
  try {
    await client.start();
  } catch (error) {
    void window.showErrorMessage(`Pluto: the language server failed to start: ${String(error)}`);
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
