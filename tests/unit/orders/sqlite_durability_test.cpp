// The SQLite sink's durability: by default every commit reaches the disk (the WAL is fsynced) before
// commit_batch() returns, because the consumer commits the offsets right after it; `normal` is the
// explicit trade-off that skips it. Seen through a VFS that counts the syncs of each file.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "kavro/orders/sqlite_sink.hpp"

namespace {

using namespace kavro;

// A VFS in front of the default one: every file is the default VFS's file behind a header that counts
// xSync calls on write-ahead logs and on main databases.
std::atomic<int> wal_syncs{0}, db_syncs{0};
sqlite3_vfs* real_vfs = nullptr;

struct counting_file {
  sqlite3_file base;
  sqlite3_file* real;
  int kind;  // SQLITE_OPEN_WAL, SQLITE_OPEN_MAIN_DB or other flags
};
sqlite3_file* real_of(sqlite3_file* f) {
  return reinterpret_cast<counting_file*>(f)->real;
}
const sqlite3_io_methods* m(sqlite3_file* f) {
  return real_of(f)->pMethods;
}

sqlite3_io_methods counting_methods = {
    3,
    [](sqlite3_file* f) { return m(f)->xClose(real_of(f)); },
    [](sqlite3_file* f, void* b, int n, sqlite3_int64 o) { return m(f)->xRead(real_of(f), b, n, o); },
    [](sqlite3_file* f, const void* b, int n, sqlite3_int64 o) { return m(f)->xWrite(real_of(f), b, n, o); },
    [](sqlite3_file* f, sqlite3_int64 size) { return m(f)->xTruncate(real_of(f), size); },
    [](sqlite3_file* f, int flags) {
      const int kind = reinterpret_cast<counting_file*>(f)->kind;
      if (kind & SQLITE_OPEN_WAL) ++wal_syncs;
      if (kind & SQLITE_OPEN_MAIN_DB) ++db_syncs;
      return m(f)->xSync(real_of(f), flags);
    },
    [](sqlite3_file* f, sqlite3_int64* size) { return m(f)->xFileSize(real_of(f), size); },
    [](sqlite3_file* f, int lock) { return m(f)->xLock(real_of(f), lock); },
    [](sqlite3_file* f, int lock) { return m(f)->xUnlock(real_of(f), lock); },
    [](sqlite3_file* f, int* out) { return m(f)->xCheckReservedLock(real_of(f), out); },
    [](sqlite3_file* f, int op, void* arg) { return m(f)->xFileControl(real_of(f), op, arg); },
    [](sqlite3_file* f) { return m(f)->xSectorSize(real_of(f)); },
    [](sqlite3_file* f) { return m(f)->xDeviceCharacteristics(real_of(f)); },
    [](sqlite3_file* f, int page, int size, int extend, void volatile** p) {
      return m(f)->xShmMap(real_of(f), page, size, extend, p);
    },
    [](sqlite3_file* f, int offset, int n, int flags) {
      return m(f)->xShmLock(real_of(f), offset, n, flags);
    },
    [](sqlite3_file* f) { m(f)->xShmBarrier(real_of(f)); },
    [](sqlite3_file* f, int del) { return m(f)->xShmUnmap(real_of(f), del); },
    [](sqlite3_file* f, sqlite3_int64 o, int n, void** p) { return m(f)->xFetch(real_of(f), o, n, p); },
    [](sqlite3_file* f, sqlite3_int64 o, void* p) { return m(f)->xUnfetch(real_of(f), o, p); },
};

sqlite3_vfs counting_vfs;

int counting_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto* c = reinterpret_cast<counting_file*>(f);
  c->real = reinterpret_cast<sqlite3_file*>(c + 1);
  c->kind = flags;
  c->real->pMethods = nullptr;
  const int rc = real_vfs->xOpen(real_vfs, name, c->real, flags, out_flags);
  f->pMethods = c->real->pMethods != nullptr ? &counting_methods : nullptr;
  return rc;
}

class sqlite_durability : public ::testing::Test {
 protected:
  void SetUp() override {
    real_vfs = sqlite3_vfs_find(nullptr);
    ASSERT_NE(real_vfs, nullptr);
    ASSERT_GE(real_vfs->iVersion, 2);
    counting_vfs = *real_vfs;
    counting_vfs.zName = "kavro-counting";
    counting_vfs.szOsFile = static_cast<int>(sizeof(counting_file)) + real_vfs->szOsFile;
    counting_vfs.pNext = nullptr;
    counting_vfs.xOpen = &counting_open;
    // The other calls go to the default VFS with its own pointer (some read it).
    counting_vfs.xDelete = [](sqlite3_vfs*, const char* n, int d) {
      return real_vfs->xDelete(real_vfs, n, d);
    };
    counting_vfs.xAccess = [](sqlite3_vfs*, const char* n, int f, int* o) {
      return real_vfs->xAccess(real_vfs, n, f, o);
    };
    counting_vfs.xFullPathname = [](sqlite3_vfs*, const char* n, int size, char* out) {
      return real_vfs->xFullPathname(real_vfs, n, size, out);
    };
    ASSERT_EQ(sqlite3_vfs_register(&counting_vfs, 1), SQLITE_OK);
    db_ = std::filesystem::temp_directory_path() / ("kavro-durability-" + std::to_string(getpid()) + ".db");
    remove_db();
  }
  void TearDown() override {
    sqlite3_vfs_register(real_vfs, 1);
    sqlite3_vfs_unregister(&counting_vfs);
    remove_db();
  }
  void remove_db() {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_.string() + suffix, ec);
  }
  static kafka::consumed_message from(std::int64_t offset) {
    kafka::consumed_message m;
    m.topic = "orders";
    m.partition = 0;
    m.offset = offset;
    return m;
  }
  // Syncs of the write-ahead log during `commits` batches of 10 rows each.
  int wal_syncs_over_batches(orders::sink_options options, int commits) {
    orders::sqlite_sink sink(db_.string(), options);
    wal_syncs = 0;
    std::int32_t id = 0;
    for (int c = 0; c < commits; ++c) {
      for (int i = 0; i < 10; ++i, ++id) EXPECT_FALSE(sink.store({id, "Lamp", 1.0f}, from(id)));
      EXPECT_TRUE(sink.commit_batch());
    }
    return wal_syncs.load();
  }

  std::filesystem::path db_;
};

TEST_F(sqlite_durability, by_default_every_batch_commit_is_synced_to_disk_before_it_returns) {
  EXPECT_GE(wal_syncs_over_batches({.batched = true}, 5), 5);
}

TEST_F(sqlite_durability, by_default_every_unbatched_row_is_synced_to_disk_before_store_returns) {
  orders::sqlite_sink sink(db_.string());
  wal_syncs = 0;
  for (std::int32_t id = 0; id < 5; ++id) EXPECT_FALSE(sink.store({id, "Lamp", 1.0f}, from(id)));
  EXPECT_GE(wal_syncs.load(), 5);
}

TEST_F(sqlite_durability, normal_is_the_explicit_trade_off_that_leaves_commits_unsynced_until_a_checkpoint) {
  EXPECT_EQ(wal_syncs_over_batches({.batched = true, .sync = orders::sqlite_sync::normal}, 5), 0);
  // The rows are there all the same (a process crash loses nothing).
  orders::sqlite_sink reader(db_.string());
  EXPECT_EQ(reader.count().value_or(-1), 50);
}

}  // namespace
