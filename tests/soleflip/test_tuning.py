import pytest
from django.core.management import call_command

from soleflip.db.tuning import as_conf, tuned_settings

GB = 1024**3


def test_settings_scale_with_the_machine():
    small = tuned_settings(memory=4 * GB, cores=2)
    big = tuned_settings(memory=64 * GB, cores=16)
    assert small["shared_buffers"] == "1024MB" and small["effective_cache_size"] == "2867MB"
    assert big["shared_buffers"] == "8192MB"  # capped: the OS cache does the rest
    assert (small["max_parallel_workers_per_gather"], big["max_parallel_workers_per_gather"]) == ("1", "8")
    assert small["random_page_cost"] == "1.1" and small["shared_preload_libraries"] == "pg_stat_statements"


def test_snippet_is_postgresql_conf_syntax():
    assert "work_mem = '" in as_conf(tuned_settings(memory=8 * GB, cores=4))


@pytest.mark.django_db
def test_pg_tune_prints_a_snippet_for_a_given_machine(capsys):
    call_command("pg_tune", "--memory-gb", "16", "--cores", "4")
    out = capsys.readouterr().out
    assert "shared_buffers = '4096MB'" in out and "max_parallel_workers = '4'" in out
