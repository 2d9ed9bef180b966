#include "kolmo/status.h"

#include <gtest/gtest.h>

namespace kolmo {
namespace {

TEST(Status, CodesAreStable) {
  // These numbers are part of the API; changing one is a breaking change.
  EXPECT_EQ(static_cast<int>(StatusCode::kOk), 0);
  EXPECT_EQ(static_cast<int>(StatusCode::kCorruptData), 2);
  EXPECT_EQ(static_cast<int>(StatusCode::kChecksumMismatch), 6);
  EXPECT_EQ(static_cast<int>(StatusCode::kCancelled), 9);
}

TEST(Status, ToStringNamesCodeAndMessage) {
  const Status s = corrupt_data("bad magic");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.to_string(), "corrupt data: bad magic");
  EXPECT_EQ(s.with_context("block 3").to_string(), "corrupt data: block 3: bad magic");
  EXPECT_EQ(Status().to_string(), "ok");
}

Expected<int> half(int v) {
  if (v % 2 != 0) return invalid_argument("odd");
  return v / 2;
}

Status quarter(int v, int* out) {
  KOLMO_ASSIGN_OR_RETURN(int h, half(v));
  KOLMO_ASSIGN_OR_RETURN(int q, half(h));
  *out = q;
  return ok_status();
}

TEST(Expected, HoldsValueOrStatus) {
  auto a = half(8);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, 4);
  auto b = half(3);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument);
}

TEST(Expected, AssignOrReturnPropagates) {
  int out = 0;
  EXPECT_TRUE(quarter(8, &out).ok());
  EXPECT_EQ(out, 2);
  EXPECT_EQ(quarter(6, &out).code(), StatusCode::kInvalidArgument);
}

TEST(Expected, OkStatusIsNotAValue) {
  Expected<int> e{Status()};
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace kolmo
