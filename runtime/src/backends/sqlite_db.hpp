// Thin RAII wrappers over the SQLite C API for the sqlite backend: a connection, prepared statements that are
// prepared once and reused, and a transaction that rolls back unless committed.
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace selinon::sqlite {

// Every SQLite failure, SQLITE_BUSY past the busy timeout included, carrying SQLite's own message.
class Error : public std::runtime_error {
 public:
  Error(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

class Database {
 public:
  Database(const std::string& path, std::chrono::milliseconds busy_timeout);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  sqlite3* handle() const { return db_; }
  // Runs statements that return no rows (schema, pragmas).
  void exec(const char* sql);
  // Rows changed by the last INSERT, UPDATE or DELETE.
  std::int64_t changes() const;
  bool in_transaction() const;
  [[noreturn]] void fail(int code, std::string_view doing) const;

  // Transaction control through statements prepared once (they run several times per claim and commit).
  void begin(bool write);
  void commit();
  void rollback() noexcept;

 private:
  void run_control(sqlite3_stmt* statement, std::string_view doing);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* begin_read_ = nullptr;
  sqlite3_stmt* begin_write_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  sqlite3_stmt* rollback_ = nullptr;
};

class Statement {
 public:
  Statement(Database& db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as in SQLite. Text and blobs are copied, so the arguments may die before step().
  Statement& bind(int index, std::int64_t value);
  Statement& bind_text(int index, std::string_view value);
  Statement& bind_blob(int index, std::string_view value);
  // True while a row is available; false when the statement is done. Throws Error on failure.
  bool step();
  // Columns are 0-based. Views stay valid until the next step() or reset().
  std::int64_t column_int(int index) const;
  std::string_view column_text(int index) const;
  std::string_view column_blob(int index) const;
  bool column_is_null(int index) const;
  // Ends the current execution and clears the bindings.
  void reset();

 private:
  Database& db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
};

// One execution of a statement: resets it on scope exit, so a thrown error leaves it ready for the next use.
class Run {
 public:
  explicit Run(Statement& statement) : statement_(statement) {}
  ~Run() { statement_.reset(); }
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;
  Statement* operator->() { return &statement_; }

 private:
  Statement& statement_;
};

// BEGIN IMMEDIATE (a write) or BEGIN (a read snapshot); rolled back on scope exit unless committed.
class Transaction {
 public:
  enum class Kind { read, write };
  Transaction(Database& db, Kind kind);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();
  void rollback();

 private:
  Database& db_;
  bool open_ = true;
};

}  // namespace selinon::sqlite
