#include "tools/ledgerctl/token_commands.h"

#include <cstdio>
#include <iostream>
#include <vector>

#include "tools/ledgerctl/output.h"

namespace ledger::ctl {

namespace {

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string Get(const ListedEntry& entry, const char* key,
                const char* fallback = "") {
  auto it = entry.fields.find(key);
  return it == entry.fields.end() || it->second.empty() ? fallback : it->second;
}

int RunCreate(const GlobalOptions& global, const std::string& path,
              const TokenSpec& spec) {
  CreatedToken created;
  std::string error;
  if (!CreateToken(path, spec, &created, &error)) {
    std::fprintf(stderr, "error: %s\n", error.c_str());
    return kExitRpcError;
  }
  if (global.json) {
    std::cout << "{\"tokenId\":" << JsonString(created.token_id)
              << ",\"token\":" << JsonString(created.token)
              << ",\"principal\":" << JsonString(spec.principal)
              << ",\"role\":" << JsonString(spec.role)
              << ",\"ownerId\":" << JsonString(created.owner_id)
              << ",\"personalData\":"
              << (created.personal_data ? "true" : "false")
              << ",\"write\":" << (spec.write ? "true" : "false")
              << ",\"createdAt\":" << JsonString(created.created_at)
              << ",\"tokensFile\":" << JsonString(path) << "}\n";
    return kExitOk;
  }
  std::cout << "token " << created.token_id << " added to " << path
            << ": principal " << spec.principal << ", role " << spec.role;
  if (!created.owner_id.empty()) std::cout << ", owner_id " << created.owner_id;
  std::cout << ", personal data " << (created.personal_data ? "yes" : "no");
  if (spec.role == "service") {
    std::cout << ", write " << (spec.write ? "yes" : "no");
  }
  std::cout << "\n\n  " << created.token << "\n\n"
            << "This is the only time the secret is shown (the file keeps a "
               "salted hash).\nUse it with: export LEDGER_TOKEN='"
            << created.token << "'\n";
  return kExitOk;
}

int RunList(const GlobalOptions& global, const std::string& path) {
  std::vector<ListedEntry> entries;
  std::string error;
  if (!ListEntries(path, &entries, &error)) {
    std::fprintf(stderr, "error: %s\n", error.c_str());
    return kExitRpcError;
  }
  Table table({"ID", "PRINCIPAL", "ROLE", "OWNER", "PERSONAL DATA", "WRITE",
               "CREATED", "STATE"});
  for (const ListedEntry& e : entries) {
    const std::string id = e.fields.count("cert_subject") > 0
                               ? "cert:" + Get(e, "cert_subject")
                               : Get(e, "token_id", "?");
    const std::string revoked = Get(e, "revoked_at");
    if (global.json) {
      std::cout << "{\"id\":" << JsonString(id)
                << ",\"principal\":" << JsonString(Get(e, "principal"))
                << ",\"role\":" << JsonString(Get(e, "role"))
                << ",\"ownerId\":" << JsonString(Get(e, "owner_id"))
                << ",\"personalData\":"
                << JsonString(Get(e, "personal_data", "default"))
                << ",\"write\":" << JsonString(Get(e, "write", "false"))
                << ",\"createdAt\":" << JsonString(Get(e, "created_at"))
                << ",\"revokedAt\":" << JsonString(revoked)
                << ",\"line\":" << e.line << "}\n";
      continue;
    }
    table.AddRow({id, Get(e, "principal", "?"), Get(e, "role", "?"),
                  Get(e, "owner_id", "-"), Get(e, "personal_data", "default"),
                  Get(e, "write", "-"), Get(e, "created_at", "-"),
                  revoked.empty() ? "active" : "revoked " + revoked});
  }
  if (!global.json) table.Print();
  return kExitOk;
}

int RunRevoke(const GlobalOptions& global, const std::string& path,
              const std::string& token_id) {
  std::string revoked_at, error;
  bool already = false;
  if (!RevokeToken(path, token_id, &revoked_at, &already, &error)) {
    std::fprintf(stderr, "error: %s\n", error.c_str());
    return kExitRpcError;
  }
  if (global.json) {
    std::cout << "{\"tokenId\":" << JsonString(token_id)
              << ",\"revokedAt\":" << JsonString(revoked_at)
              << ",\"alreadyRevoked\":" << (already ? "true" : "false")
              << "}\n";
  } else if (already) {
    std::cout << "token " << token_id << " was already revoked at "
              << revoked_at << "\n";
  } else {
    std::cout << "token " << token_id << " revoked at " << revoked_at
              << " (a running server notices within a second)\n";
  }
  return kExitOk;
}

}  // namespace

void TokenCommands::Register(CLI::App& app) {
  CLI::App* token = app.add_subcommand(
      "token",
      "Bearer tokens in a local tokens file (customer-ledgerd "
      "--tokens-file): create, list, revoke. No server call");
  token->require_subcommand(1);
  create_cmd_ = token->add_subcommand(
      "create",
      "Add a token for a principal and print its secret once (the file "
      "keeps a salted hash; created with mode 0600)");
  list_cmd_ = token->add_subcommand(
      "list", "Token ids, principals, roles and states (never secrets)");
  revoke_cmd_ = token->add_subcommand(
      "revoke", "Revoke a token: a running server refuses it within a second");
  for (CLI::App* cmd : {create_cmd_, list_cmd_, revoke_cmd_}) {
    cmd->add_option("--tokens-file", tokens_file_, "The tokens file")
        ->required();
  }
  create_cmd_
      ->add_option("--principal", spec_.principal,
                   "Who the token authenticates (recorded as the "
                   "actor of the events it appends)")
      ->required();
  create_cmd_
      ->add_option("--role", spec_.role,
                   "admin, manager, sales, service or auditor")
      ->required()
      ->check(
          CLI::IsMember({"admin", "manager", "sales", "service", "auditor"}));
  create_cmd_->add_option("--owner-id", spec_.owner_id,
                          "sales: the owner_id of the customers they own "
                          "(default: the principal)");
  create_cmd_
      ->add_option("--personal-data", spec_.personal_data,
                   "true/false: may read personal fields unmasked (default: "
                   "true for admin, manager, sales; false for service, "
                   "auditor)")
      ->check(CLI::IsMember({"true", "false"}));
  create_cmd_->add_flag("--write", spec_.write,
                        "service: may append (Append, MergeCustomers)");
  revoke_cmd_->add_option("token_id", token_id_, "The token id (lt_…)")
      ->required();
}

int TokenCommands::Run(const GlobalOptions& global) const {
  if (create_cmd_->parsed()) return RunCreate(global, tokens_file_, spec_);
  if (list_cmd_->parsed()) return RunList(global, tokens_file_);
  if (revoke_cmd_->parsed()) return RunRevoke(global, tokens_file_, token_id_);
  return -1;
}

}  // namespace ledger::ctl
