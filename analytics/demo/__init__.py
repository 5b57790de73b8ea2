"""Synthetic demo data (a seeded generator shaped like 盐城市, 亭湖区 in full detail)."""
