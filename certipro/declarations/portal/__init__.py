"""The declarants' portal: their staff upload CSV files and follow their declarations (issue
"Automatic feed")."""
