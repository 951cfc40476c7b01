#include "tools/ledgerctl/customer_columns.h"

#include <cstdint>
#include <set>
#include <utility>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "tools/ledgerctl/cell_values.h"
#include "tools/ledgerctl/csv_io.h"
#include "tools/ledgerctl/query_util.h"

namespace ledger::ctl {

namespace {

namespace v1 = ::ledger::v1;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr char kIgnore[] = "ignore";

// The message holding the last segment of `path` ("address.city": the
// address) and that segment's field. Mutable: creates sub-messages.
const FieldDescriptor* Leaf(Message* msg, const std::string& path,
                            Message** leaf) {
  const size_t dot = path.find('.');
  const FieldDescriptor* fd =
      msg->GetDescriptor()->FindFieldByName(path.substr(0, dot));
  if (fd == nullptr || dot == std::string::npos) {
    *leaf = msg;
    return fd;
  }
  return Leaf(msg->GetReflection()->MutableMessage(msg, fd),
              path.substr(dot + 1), leaf);
}

const FieldDescriptor* Leaf(const Message& msg, const std::string& path,
                            const Message** leaf) {
  const size_t dot = path.find('.');
  const FieldDescriptor* fd =
      msg.GetDescriptor()->FindFieldByName(path.substr(0, dot));
  if (fd == nullptr || dot == std::string::npos) {
    *leaf = &msg;
    return fd;
  }
  return Leaf(msg.GetReflection()->GetMessage(msg, fd), path.substr(dot + 1),
              leaf);
}

// Normalized header → index into CustomerFields().
const std::map<std::string, int>& AutoHeaders() {
  static const auto* const kHeaders = [] {
    auto* headers = new std::map<std::string, int>();
    const auto& fields = CustomerFields();
    for (int i = 0; i < static_cast<int>(fields.size()); ++i) {
      headers->emplace(NormalizeHeader(fields[i].name), i);
      const std::string others = fields[i].headers;
      for (size_t at = 0; at < others.size();) {
        size_t bar = others.find('|', at);
        if (bar == std::string::npos) bar = others.size();
        headers->emplace(NormalizeHeader(others.substr(at, bar - at)), i);
        at = bar + 1;
      }
    }
    return headers;
  }();
  return *kHeaders;
}

int FieldByName(const std::string& name) {
  const auto& fields = CustomerFields();
  for (int i = 0; i < static_cast<int>(fields.size()); ++i) {
    if (name == fields[i].name) return i;
  }
  return -1;
}

}  // namespace

const std::vector<CustomerField>& CustomerFields() {
  using K = CellKind;
  static const auto* const kFields = new std::vector<CustomerField>{
      {"customer_id", K::kCustomerId, "",
       "客户编号|客户ID|客户代码|客户编码|编号|id|customer"},
      {"kind", K::kKind, "", "客户类型|类型|type|customer_kind"},
      {"name", K::kText, "name",
       "客户名称|名称|姓名|客户姓名|公司名称|企业名称|单位名称|full_name|"
       "company"},
      {"short_name", K::kText, "short_name", "简称|客户简称"},
      {"phones", K::kList, "phones",
       "电话|手机|联系电话|手机号|手机号码|电话号码|座机|固定电话|phone|mobile|"
       "tel|telephone"},
      {"emails", K::kList, "emails",
       "邮箱|电子邮件|电子邮箱|邮件|email|e-mail|mail"},
      {"wechat_ids", K::kList, "wechat_ids",
       "微信|微信号|wechat|wechat_id|weixin"},
      {"province", K::kText, "address.province", "省|省份|所在省份"},
      {"city", K::kText, "address.city", "市|城市|所在城市"},
      {"district", K::kText, "address.district", "区|区县|县区|区/县|county"},
      {"street", K::kText, "address.street",
       "地址|详细地址|街道地址|联系地址|通讯地址|address"},
      {"postcode", K::kText, "address.postcode",
       "邮编|邮政编码|zip|zipcode|postal_code"},
      {"industry", K::kText, "industry", "行业|所属行业"},
      {"region", K::kText, "region", "区域|地区|销售区域|area"},
      {"source", K::kText, "source", "来源|客户来源|lead_source"},
      {"website", K::kText, "website", "网址|网站|官网|公司网址|url|homepage"},
      {"notes", K::kText, "notes", "备注|说明|note|remark|remarks|comment"},
      {"credit_code", K::kText, "credit_code",
       "统一社会信用代码|信用代码|社会信用代码|uscc"},
      {"tax_number", K::kText, "tax_number", "税号|纳税人识别号|tax_id"},
      {"business_licence_no", K::kText, "business_licence_no",
       "营业执照号|营业执照号码|注册号|business_license_no"},
      {"legal_representative", K::kText, "legal_representative",
       "法定代表人|法人|法人代表"},
      {"general_manager", K::kText, "general_manager", "总经理|gm"},
      {"founded_on", K::kDate, "founded_on",
       "成立日期|成立时间|注册日期|founded|founding_date"},
      {"employees", K::kCount, "employees",
       "员工人数|员工数|人数|职工人数|headcount"},
      {"business_scope", K::kText, "business_scope", "经营范围"},
      {"aliases", K::kList, "aliases", "别名|曾用名"},
      {"gender", K::kGender, "gender", "性别|sex"},
      {"birthday", K::kDate, "birthday",
       "生日|出生日期|birth_date|date_of_birth|dob"},
      {"occupation", K::kText, "occupation", "职业|job"},
      {"owner", K::kOwner, "", "负责人|业务员|客户经理|销售|owner_id|sales"},
      {"grade", K::kExportOnly, "", "等级|客户等级|级别"},
      {"archived", K::kExportOnly, "", "已归档"},
      {"version", K::kExportOnly, "", "版本"},
  };
  return *kFields;
}

bool ReadMappingFile(const std::string& path,
                     std::map<std::string, std::string>* mapping,
                     std::string* error) {
  std::string bytes;
  std::string text;
  std::string used;
  if (!ReadWholeFile(path, &bytes)) {
    *error = "cannot read the mapping file " + path;
    return false;
  }
  if (!DecodeToUtf8(bytes, CsvEncoding::kAuto, &text, &used, error)) {
    *error = path + ": " + *error;
    return false;
  }
  int line_no = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (const size_t hash = line.find('#'); hash != std::string::npos) {
      line.resize(hash);
    }
    line = Trim(line);
    if (line.empty()) continue;
    const size_t eq = line.rfind('=');
    const std::string header =
        eq == std::string::npos ? "" : Trim(line.substr(0, eq));
    const std::string field =
        eq == std::string::npos ? "" : Trim(line.substr(eq + 1));
    if (header.empty() || field.empty()) {
      *error = path + " line " + std::to_string(line_no) +
               ": expected \"CSV header = field name\"";
      return false;
    }
    if (field != kIgnore && FieldByName(field) < 0) {
      std::string names;
      for (const auto& f : CustomerFields()) {
        names += (names.empty() ? "" : ", ") + std::string(f.name);
      }
      *error = path + " line " + std::to_string(line_no) + ": \"" + field +
               "\" is not a field; use one of " + names + " or " + kIgnore;
      return false;
    }
    (*mapping)[header] = field;
  }
  return true;
}

bool MapColumns(const std::vector<std::string>& header,
                const std::map<std::string, std::string>& mapping,
                ColumnMap* map, std::vector<std::string>* unused,
                std::string* error) {
  std::map<std::string, std::string> explicit_fields;
  for (const auto& [h, field] : mapping) {
    explicit_fields[NormalizeHeader(h)] = field;
  }
  std::set<std::string> used;
  const auto& fields = CustomerFields();
  std::vector<int> taken(fields.size(), -1);
  *map = ColumnMap();
  map->headers = header;
  for (int c = 0; c < static_cast<int>(header.size()); ++c) {
    const std::string key = NormalizeHeader(header[c]);
    int f = -1;
    if (auto it = explicit_fields.find(key); it != explicit_fields.end()) {
      used.insert(key);
      f = it->second == kIgnore ? -1 : FieldByName(it->second);
    } else if (auto a = AutoHeaders().find(key); a != AutoHeaders().end()) {
      f = a->second;
    }
    const std::string shown = header[c].empty()
                                  ? "(column " + std::to_string(c + 1) + ")"
                                  : header[c];
    if (f >= 0 && fields[f].kind == CellKind::kExportOnly) f = -1;
    if (f >= 0 && fields[f].kind != CellKind::kList && taken[f] >= 0) {
      map->ignored.push_back(shown + " (also " + fields[f].name +
                             ", taken by " + header[taken[f]] + ")");
      f = -1;
    } else if (f < 0) {
      map->ignored.push_back(shown);
    }
    map->field_of_column.push_back(f);
    if (f < 0) continue;
    if (taken[f] < 0) {
      taken[f] = c;
      if (*fields[f].path != '\0') map->mask_paths.push_back(fields[f].path);
    }
    if (fields[f].kind == CellKind::kCustomerId) map->id_column = c;
    if (fields[f].kind == CellKind::kKind) map->kind_column = c;
    if (fields[f].kind == CellKind::kOwner) map->owner_column = c;
  }
  for (const auto& [h, field] : mapping) {
    if (used.count(NormalizeHeader(h)) == 0) unused->push_back(h);
  }
  if (map->id_column < 0) {
    *error =
        "no column holds the customer id: name it customer_id, 客户编号 or "
        "客户ID, or map one with --mapping (\"<header> = customer_id\")";
    return false;
  }
  return true;
}

ImportRow BuildImportRow(const ColumnMap& map, int row,
                         const std::vector<std::string>& cells,
                         v1::CustomerKind default_kind,
                         const std::string& default_owner) {
  ImportRow r;
  r.row = row;
  r.kind = default_kind;
  r.owner_id = default_owner;
  const auto& fields = CustomerFields();
  for (int c = 0; c < static_cast<int>(map.field_of_column.size()); ++c) {
    const int f = map.field_of_column[c];
    if (f < 0) continue;
    const CustomerField& field = fields[f];
    const std::string cell =
        c < static_cast<int>(cells.size()) ? Trim(cells[c]) : "";
    const std::string quoted = "\"" + cell + "\"";
    Message* leaf = nullptr;
    const FieldDescriptor* fd =
        *field.path == '\0' ? nullptr : Leaf(&r.profile, field.path, &leaf);
    if (fd != nullptr && field.kind != CellKind::kList) {
      r.column_of_path.emplace(field.path, c);
    }
    switch (field.kind) {
      case CellKind::kCustomerId:
        r.customer_id = cell;
        if (cell.empty())
          r.problems.emplace_back(c, "the customer id is missing");
        break;
      case CellKind::kKind:
        if (!cell.empty() && !ParseCustomerKind(cell, &r.kind)) {
          r.problems.emplace_back(c, quoted +
                                         " is not a customer kind: use 个人 "
                                         "(individual) or 企业 (organization)");
        }
        break;
      case CellKind::kOwner:
        if (!cell.empty()) r.owner_id = cell;
        break;
      case CellKind::kText:
        if (!cell.empty()) leaf->GetReflection()->SetString(leaf, fd, cell);
        break;
      case CellKind::kList:
        r.column_of_path.emplace(field.path, c);
        for (std::string& value : SplitList(cell)) {
          const int i = leaf->GetReflection()->FieldSize(*leaf, fd);
          r.column_of_path[std::string(field.path) + "[" + std::to_string(i) +
                           "]"] = c;
          leaf->GetReflection()->AddString(leaf, fd, std::move(value));
        }
        break;
      case CellKind::kDate: {
        v1::Date date;
        if (cell.empty()) break;
        if (ParseDateCell(cell, &date)) {
          leaf->GetReflection()->MutableMessage(leaf, fd)->CopyFrom(date);
        } else {
          r.problems.emplace_back(
              c,
              quoted +
                  " is not a date: use YYYY-MM-DD, YYYY/M/D or YYYY年M月D日");
        }
        break;
      }
      case CellKind::kCount: {
        uint32_t n = 0;
        if (cell.empty()) break;
        if (ParseCount(cell, &n)) {
          leaf->GetReflection()->SetUInt32(leaf, fd, n);
        } else {
          r.problems.emplace_back(c, quoted + " is not a whole number");
        }
        break;
      }
      case CellKind::kGender: {
        v1::Gender g = v1::GENDER_UNSPECIFIED;
        if (cell.empty()) break;
        if (ParseGender(cell, &g)) {
          leaf->GetReflection()->SetEnumValue(leaf, fd, g);
        } else {
          r.problems.emplace_back(
              c, quoted +
                     " is not a gender: use 男 (male), 女 (female) or "
                     "其他 (other)");
        }
        break;
      }
      case CellKind::kExportOnly:
        break;
    }
  }
  return r;
}

int ColumnOfServerMessage(const ColumnMap& map, const ImportRow& row,
                          const std::string& message, std::string* why) {
  *why = message;
  const size_t colon = message.find(": ");
  if (colon == std::string::npos) return -1;
  const std::string path = message.substr(0, colon);
  const std::string rest = message.substr(colon + 2);
  if (path == "customer_id") {
    *why = rest;
    return map.id_column;
  }
  const size_t payload = path.find(".payload.");
  if (payload == std::string::npos) return -1;
  std::string sub = path.substr(payload + 9);  // "<event type>.<field…>"
  const size_t dot = sub.find('.');
  sub = dot == std::string::npos ? "" : sub.substr(dot + 1);
  int column = -1;
  if (sub == "kind") {
    column = map.kind_column;
  } else if (sub == "owner_id") {
    column = map.owner_column;
  } else if (sub == "update_mask" && rest.size() > 1 && rest[0] == '"') {
    // '"name" cannot be cleared': the quoted path names the field.
    const std::string named = rest.substr(1, rest.find('"', 1) - 1);
    if (auto it = row.column_of_path.find(named);
        it != row.column_of_path.end()) {
      column = it->second;
    }
  } else if (sub.rfind("profile.", 0) == 0) {
    std::string field = sub.substr(8);
    auto it = row.column_of_path.find(field);
    if (it == row.column_of_path.end()) {
      it = row.column_of_path.find(field.substr(0, field.find('[')));
    }
    if (it != row.column_of_path.end()) column = it->second;
  }
  if (column >= 0) {
    // "is required" alone would not say what; name the field.
    const std::string field = path.substr(path.rfind('.') + 1);
    *why = rest.rfind("is ", 0) == 0 ? field + " " + rest : rest;
  }
  return column;
}

std::vector<std::string> ExportHeader() {
  std::vector<std::string> header;
  for (const auto& f : CustomerFields()) header.push_back(f.name);
  return header;
}

std::vector<std::string> ExportCells(const v1::CustomerProfile& p) {
  std::vector<std::string> cells;
  for (const auto& f : CustomerFields()) {
    const Message* leaf = nullptr;
    const FieldDescriptor* fd =
        *f.path == '\0' ? nullptr : Leaf(p.profile(), f.path, &leaf);
    const auto* refl = leaf == nullptr ? nullptr : leaf->GetReflection();
    std::string cell;
    switch (f.kind) {
      case CellKind::kCustomerId:
        cell = p.customer_id();
        break;
      case CellKind::kKind:
        cell = Label(v1::CustomerKind_Name(p.kind()), "CUSTOMER_KIND_");
        break;
      case CellKind::kOwner:
        cell = p.owner_id();
        break;
      case CellKind::kText:
        cell = refl->GetString(*leaf, fd);
        break;
      case CellKind::kList:
        for (int i = 0; i < refl->FieldSize(*leaf, fd); ++i) {
          if (i > 0) cell.push_back(';');
          cell += refl->GetRepeatedString(*leaf, fd, i);
        }
        break;
      case CellKind::kDate: {
        v1::Date date;
        date.CopyFrom(refl->GetMessage(*leaf, fd));
        cell = FormatDate(date);
        break;
      }
      case CellKind::kCount:
        if (refl->GetUInt32(*leaf, fd) != 0) {
          cell = std::to_string(refl->GetUInt32(*leaf, fd));
        }
        break;
      case CellKind::kGender:
        cell = Label(v1::Gender_Name(static_cast<v1::Gender>(
                         refl->GetEnumValue(*leaf, fd))),
                     "GENDER_");
        break;
      case CellKind::kExportOnly: {
        const std::string name = f.name;
        if (name == "grade") cell = GradeLabel(p.classification().grade());
        if (name == "archived") cell = p.archived() ? "yes" : "";
        if (name == "version") cell = std::to_string(p.version());
        break;
      }
    }
    cells.push_back(std::move(cell));
  }
  return cells;
}

}  // namespace ledger::ctl
