"""Staff accounts: sign-in, Digital ID, API tokens, role tokens, user administration, the back-office gate."""
