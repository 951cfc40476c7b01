// The columns of a customer CSV file and the customer fields they hold:
// header auto-mapping (common Chinese and English headers), mapping files,
// turning one row into ProfileFields (with the problems found locally), and
// the export columns. Everything here is pure; thread-compatible.
#ifndef LEDGER_TOOLS_LEDGERCTL_CUSTOMER_COLUMNS_H_
#define LEDGER_TOOLS_LEDGERCTL_CUSTOMER_COLUMNS_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ledger/v1/customer.pb.h"
#include "ledger/v1/events.pb.h"

namespace ledger::ctl {

// How a column's cells are read.
enum class CellKind {
  kCustomerId,  // the stream id, required
  kKind,        // 个人/individual, 企业/公司/单位/organization
  kOwner,       // CustomerRegistered.owner_id
  kText,        // a string field of ProfileFields
  kList,        // a repeated string: values split at ; / ／ 、 ，
  kDate,        // YYYY-MM-DD, YYYY/M/D, YYYY年M月D日, YYYY.M.D
  kCount,       // a whole number (thousands separators allowed)
  kGender,      // 男/male, 女/female, 其他/other
  kExportOnly,  // written by export, ignored by import (grade, version, …)
};

struct CustomerField {
  const char* name;  // canonical: export header and mapping-file name
  CellKind kind;
  // Path in ProfileFields ("address.city"), also the update_mask path;
  // empty for the fields outside the profile.
  const char* path;
  const char* headers;  // auto-mapped headers besides `name`, '|'-separated
};

// Every field, in export column order (customer_id first).
const std::vector<CustomerField>& CustomerFields();

// Reads a mapping file: lines "CSV header = field name", '#' starts a
// comment, blank lines are skipped; the field name is a canonical name or
// "ignore". UTF-8 (a BOM is allowed) or GB18030. Keys are the headers as
// written. False with *error naming the line on failure.
bool ReadMappingFile(const std::string& path,
                     std::map<std::string, std::string>* mapping,
                     std::string* error);

// Which field each column of a file holds.
struct ColumnMap {
  std::vector<int> field_of_column;  // index into CustomerFields(); -1: none
  std::vector<std::string> headers;  // as in the file
  std::vector<std::string> ignored;  // headers that map to nothing imported
  int id_column = -1;
  int kind_column = -1;
  int owner_column = -1;
  // update_mask of a ProfileUpdated: the profile paths of mapped columns.
  std::vector<std::string> mask_paths;
};

// Maps `header`: a column named in `mapping` gets that field, any other is
// auto-mapped by its header (case, blanks, '_' and '-' do not matter). A
// single-valued field taken by an earlier column leaves later ones ignored;
// list fields (phones, …) may come from several columns. False with *error
// when `mapping` names an unknown field or no column holds the customer id.
// Headers named in `mapping` but absent go to *unused.
bool MapColumns(const std::vector<std::string>& header,
                const std::map<std::string, std::string>& mapping,
                ColumnMap* map, std::vector<std::string>* unused,
                std::string* error);

// What import sends for one data row.
struct ImportRow {
  int row = 0;  // spreadsheet row number
  std::string customer_id;
  ledger::v1::CustomerKind kind = ledger::v1::CUSTOMER_KIND_UNSPECIFIED;
  std::string owner_id;
  ledger::v1::ProfileFields profile;
  // Column of each profile path that has a value ("name", "address.city",
  // "phones[1]", …), to point a server's complaint at a column.
  std::map<std::string, int> column_of_path;
  // Problems found locally: (column, what is wrong). A row with any is not
  // sent.
  std::vector<std::pair<int, std::string>> problems;
};

// Builds the row from its cells (missing trailing cells are empty; every
// cell is trimmed of blanks, including U+3000). `default_kind` and
// `default_owner` apply when there is no such column or the cell is empty.
ImportRow BuildImportRow(const ColumnMap& map, int row,
                         const std::vector<std::string>& cells,
                         ledger::v1::CustomerKind default_kind,
                         const std::string& default_owner);

// The column a server's INVALID_ARGUMENT message about this row's append
// refers to: "events[0].payload.customer_registered.profile.phones[0]: …"
// → the column that gave phones[0]; -1 when none does. *why gets the
// message without its field path when the path was understood, else the
// whole message.
int ColumnOfServerMessage(const ColumnMap& map, const ImportRow& row,
                          const std::string& message, std::string* why);

// Export: the header (canonical names) and one customer's cells, in
// CustomerFields() order; lists are joined with ";".
std::vector<std::string> ExportHeader();
std::vector<std::string> ExportCells(const ledger::v1::CustomerProfile& p);

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_CUSTOMER_COLUMNS_H_
