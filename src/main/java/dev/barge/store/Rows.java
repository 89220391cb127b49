package dev.barge.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;

/** Null-aware column access that JDBC leaves awkward. */
final class Rows {
  private Rows() {}

  static Long nullableLong(ResultSet rs, int column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : v;
  }

  static Integer nullableInt(ResultSet rs, int column) throws SQLException {
    int v = rs.getInt(column);
    return rs.wasNull() ? null : v;
  }

  static Long nullableLong(ResultSet rs, String column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : v;
  }

  static Integer nullableInt(ResultSet rs, String column) throws SQLException {
    int v = rs.getInt(column);
    return rs.wasNull() ? null : v;
  }

  static void setNullableLong(PreparedStatement ps, int index, Long value) throws SQLException {
    if (value == null) ps.setNull(index, Types.BIGINT);
    else ps.setLong(index, value);
  }

  static void setNullableInt(PreparedStatement ps, int index, Integer value) throws SQLException {
    if (value == null) ps.setNull(index, Types.INTEGER);
    else ps.setInt(index, value);
  }
}
