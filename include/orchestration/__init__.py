"""Airflow adapters: the only part of include/ that imports Airflow."""
