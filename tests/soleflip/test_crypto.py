"""Encrypted fields, key rotation without downtime, and the refusal to store card numbers."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import call_command

from accounts.models import SystemConfig
from soleflip.db.crypto import fernet
from soleflip.values.cards import find_card_number
from tests.factories import make_supplier, make_supplier_account

pytestmark = pytest.mark.django_db


def stored(sql, table: str, column: str, pk) -> str:
    return sql(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [pk])[0][0]


def test_values_are_stored_as_tokens_and_read_as_text(sql):
    supplier = make_supplier(api_key_encrypted="sk_live_abc123")
    raw = stored(sql, "suppliers", "api_key_encrypted", supplier.pk)
    assert "sk_live" not in raw and fernet().decrypt(raw.encode()) == b"sk_live_abc123"
    supplier.refresh_from_db()
    assert supplier.api_key_encrypted == "sk_live_abc123"


def test_rotation_re_encrypts_under_the_newest_key_and_old_keys_still_read(settings, sql, capsys):
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    config = SystemConfig.objects.create(key="stockx.client_secret", value_encrypted="s3cret")
    account = make_supplier_account(bank_details_encrypted="DE89 3704 0044 0532 0130 00")
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]

    config.refresh_from_db()
    assert config.value_encrypted == "s3cret"  # old tokens keep decrypting
    call_command("rotate_encryption_key")
    out = capsys.readouterr().out
    # The config value, the bank details, and the bank details' copy in the account's history.
    assert "Dry run: 3 value(s)" in out and "HistoricalSupplierAccount.bank_details_encrypted: 1" in out
    call_command("rotate_encryption_key", "--commit", "--batch-size", "1")
    assert "Done: 3 value(s)" in capsys.readouterr().out

    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key is gone now
    config.refresh_from_db()
    account.refresh_from_db()
    assert (config.value_encrypted, account.bank_details_encrypted) == ("s3cret", "DE89 3704 0044 0532 0130 00")
    Fernet(new.encode()).decrypt(stored(sql, "config", "value_encrypted", config.pk).encode())
    call_command("rotate_encryption_key")
    assert "Dry run: 0 value(s)" in capsys.readouterr().out


def test_a_removed_key_fails_loudly(settings):
    config = SystemConfig.objects.create(key="k", value_encrypted="v")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"):
        config.refresh_from_db()


def test_a_malformed_key_is_refused(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="not a Fernet key"):
        SystemConfig.objects.create(key="k", value_encrypted="v")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("4242 4242 4242 4242", "4242424242424242"),
        ("card: 4111-1111-1111-1111 exp 12/29", "4111111111111111"),
        ("378282246310005", "378282246310005"),  # 15-digit Amex
        ("4242 4242 4242 4241", None),  # fails Luhn
        ("order 1234567890", None),  # too short
        ("pm_1234567890abcdef", None),  # a provider token
        ("DE89 3704 0044 0532 0130 00", None),  # an IBAN
        ("IBAN DE44500105175407324931, card 4242 4242 4242 4242", "4242424242424242"),
        # An erased user's placeholder: a UUID whose digits and dashes would pass as a card.
        ("deleted_41804735-0692-43c0-a498-38cebea95aeb@anonymized.local", None),
        ("id 41804735-0692-43c0-a498-38cebea95aeb, card 4242 4242 4242 4242", "4242424242424242"),
    ],
)
def test_card_number_detection(text, found):
    assert find_card_number(text) == found


def test_saving_a_card_number_anywhere_is_refused():
    account = make_supplier_account()
    account.payment_method_token = "4242424242424242"
    with pytest.raises(ValidationError, match="payment card number"):
        account.save()
    supplier = make_supplier()
    supplier.notes = "paid with 4111 1111 1111 1111"
    with pytest.raises(ValidationError) as caught:
        supplier.full_clean()
    assert "notes" in caught.value.message_dict


def test_gtins_are_not_mistaken_for_card_numbers():
    from tests.factories import make_variant

    # 4006381333924 is a valid EAN-13 that also passes Luhn.
    assert find_card_number("4006381333924") == "4006381333924"
    make_variant(ean="4006381333924")


def test_style_codes_are_identifiers_not_card_numbers_but_notes_are_checked():
    from django.core.exceptions import ValidationError

    from tests.factories import make_product, make_supplier

    assert make_product(style_code="4111111111111111").style_code == "4111111111111111"
    with pytest.raises(ValidationError, match="payment card number"):
        make_supplier(notes="card 4111111111111111")


def test_rotation_records_who_did_it(settings):
    from accounts.models import AuditLog
    from tests.factories import make_user

    operator = make_user(email="ops@example.org")
    account = make_supplier_account(bank_details_encrypted="DE89370400440532013000")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.FIELD_ENCRYPTION_KEYS]
    call_command("rotate_encryption_key", "--commit", "--as-user", "ops@example.org")
    entry = AuditLog.objects.filter(table_name="supplier_accounts", record_id=account.pk, operation="UPDATE").get()
    assert entry.changed_by == operator.pk
