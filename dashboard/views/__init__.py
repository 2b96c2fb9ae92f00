"""Dashboard pages, one thin file each (run by st.navigation from app.py)."""
