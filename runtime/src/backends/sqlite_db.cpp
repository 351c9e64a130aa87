// The SQLite wrappers of the sqlite backend.
#include "sqlite_db.hpp"

#include <sqlite3.h>

namespace selinon::sqlite {

namespace {

sqlite3_stmt* prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* statement = nullptr;
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                    &statement, nullptr);
  if (rc != SQLITE_OK) {
    throw Error(rc, "sqlite: cannot prepare \"" + std::string(sql) + "\": " + sqlite3_errmsg(db));
  }
  return statement;
}

}  // namespace

Database::Database(const std::string& path, std::chrono::milliseconds busy_timeout) {
  // NOMUTEX: the backend serialises every use of its connection itself.
  const int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    throw Error(rc, "sqlite: cannot open " + path + ": " + message);
  }
  try {
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, static_cast<int>(busy_timeout.count()));
    begin_read_ = prepare(db_, "BEGIN");
    begin_write_ = prepare(db_, "BEGIN IMMEDIATE");
    commit_ = prepare(db_, "COMMIT");
    rollback_ = prepare(db_, "ROLLBACK");
  } catch (...) {
    for (sqlite3_stmt* statement : {begin_read_, begin_write_, commit_, rollback_}) sqlite3_finalize(statement);
    sqlite3_close(db_);
    throw;
  }
}

Database::~Database() {
  for (sqlite3_stmt* statement : {begin_read_, begin_write_, commit_, rollback_}) sqlite3_finalize(statement);
  sqlite3_close_v2(db_);  // the owner's Statements are finalised before (members declared after the Database)
}

void Database::exec(const char* sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw Error(rc, "sqlite: " + text + " (in \"" + sql + "\")");
  }
}

std::int64_t Database::changes() const { return sqlite3_changes64(db_); }

bool Database::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

void Database::fail(int code, std::string_view doing) const {
  throw Error(code, "sqlite: " + std::string(sqlite3_errmsg(db_)) + " (in \"" + std::string(doing) + "\")");
}

void Database::run_control(sqlite3_stmt* statement, std::string_view doing) {
  const int rc = sqlite3_step(statement);
  sqlite3_reset(statement);
  if (rc != SQLITE_DONE) fail(rc, doing);
}

void Database::begin(bool write) {
  if (write) {
    run_control(begin_write_, "BEGIN IMMEDIATE");
  } else {
    run_control(begin_read_, "BEGIN");
  }
}

void Database::commit() { run_control(commit_, "COMMIT"); }

void Database::rollback() noexcept {
  // SQLite rolls some failures back by itself (SQLITE_FULL, SQLITE_IOERR...); a second ROLLBACK would fail.
  if (!in_transaction()) return;
  sqlite3_step(rollback_);
  sqlite3_reset(rollback_);
}

Statement::Statement(Database& db, std::string_view sql) : db_(db), stmt_(prepare(db.handle(), sql)), sql_(sql) {}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) db_.fail(rc, sql_);
  return *this;
}

Statement& Statement::bind_text(int index, std::string_view value) {
  const int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) db_.fail(rc, sql_);
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view value) {
  // A zero-length blob, not NULL: sqlite3_bind_blob64 binds NULL for a null pointer.
  const int rc = value.empty() ? sqlite3_bind_zeroblob(stmt_, index, 0)
                               : sqlite3_bind_blob64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) db_.fail(rc, sql_);
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_.fail(rc, sql_);
}

std::int64_t Statement::column_int(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string_view Statement::column_text(int index) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  if (text == nullptr) return {};
  return {text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index))};
}

std::string_view Statement::column_blob(int index) const {
  const auto* blob = static_cast<const char*>(sqlite3_column_blob(stmt_, index));
  if (blob == nullptr) return {};
  return {blob, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index))};
}

bool Statement::column_is_null(int index) const { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Transaction::Transaction(Database& db, Kind kind) : db_(db) { db_.begin(kind == Kind::write); }

Transaction::~Transaction() {
  if (open_) db_.rollback();
}

void Transaction::commit() {
  db_.commit();
  open_ = false;
}

void Transaction::rollback() {
  db_.rollback();
  open_ = false;
}

}  // namespace selinon::sqlite
