"""The command line: every management command of CertiPro (the contracts name them)."""
