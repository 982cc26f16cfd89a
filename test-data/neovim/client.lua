-- Drives Neovim's built-in LSP client against `pluto lsp` (run headless by
-- crates/cli/tests/neovim.rs): opens api.pluto, waits for diagnostics, asks for a
-- hover, formats a messed-up copy of the buffer through the server, renames a function
-- across the two files, applies a quick fix, writes what it got
-- as JSON to $PLUTO_TEST_OUT, and quits.
local dir = os.getenv("PLUTO_TEST_DIR")
local out = os.getenv("PLUTO_TEST_OUT")
vim.cmd("edit " .. dir .. "/api.pluto")
local bufnr = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({ name = "pluto", cmd = { "pluto", "lsp" }, root_dir = dir })
vim.lsp.buf_attach_client(bufnr, client_id)
vim.wait(15000, function()
  return #vim.diagnostic.get(bufnr) > 0
end, 50)
local result = { diagnostics = {} }
for _, d in ipairs(vim.diagnostic.get(bufnr)) do
  table.insert(result.diagnostics, { line = d.lnum, col = d.col, message = d.message })
end
local client = vim.lsp.get_client_by_id(client_id)
local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) }, position = { line = 4, character = 25 } }
local hover = client and client.request_sync("textDocument/hover", params, 10000, bufnr)
if hover and hover.result then
  result.hover = hover.result.contents.value
end
-- Mess up the layout of the last lines, then format (Neovim 0.7's synchronous request).
vim.api.nvim_buf_set_lines(bufnr, 5, 7, false, { "print(user)   ", "        }" })
vim.lsp.buf.formatting_sync(nil, 10000)
result.formatted = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), "\n")
-- Rename the cross-stage function from its call: both files change.
params.newName = "check_token"
local renamed = client and client.request_sync("textDocument/rename", params, 10000, bufnr)
if renamed and renamed.result then
  vim.lsp.util.apply_workspace_edit(renamed.result, "utf-16")
  local auth = vim.fn.bufnr(dir .. "/auth.pluto")
  result.renamed_api = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), "\n")
  result.renamed_auth = table.concat(vim.api.nvim_buf_get_lines(auth, 0, -1, false), "\n")
elseif renamed then
  result.rename_error = renamed.err and renamed.err.message
end
-- A quick fix: the call without `!` leaves NetworkError unhandled; the first code action
-- propagates it. (The renamed auth.pluto is an unsaved buffer the server has not seen,
-- so the call uses the name on disk.)
vim.api.nvim_buf_set_lines(bufnr, 4, 5, false, { "        let user = auth.verify_token(7)" })
vim.wait(10000, function()
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.message:find("unhandled") then
      return true
    end
  end
  return false
end, 50)
local range = { start = { line = 4, character = 24 }, ["end"] = { line = 4, character = 24 } }
local actions = client and client.request_sync("textDocument/codeAction", {
  textDocument = { uri = vim.uri_from_bufnr(bufnr) },
  range = range,
  context = { diagnostics = {} },
}, 10000, bufnr)
if actions and actions.result and actions.result[1] then
  result.action = actions.result[1].title
  vim.lsp.util.apply_workspace_edit(actions.result[1].edit, "utf-16")
  result.fixed_line = vim.api.nvim_buf_get_lines(bufnr, 4, 5, false)[1]
end
local file = io.open(out, "w")
file:write(vim.fn.json_encode(result))
file:close()
vim.lsp.stop_client(client_id)
vim.cmd("qa!")
