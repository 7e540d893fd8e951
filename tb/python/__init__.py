# Python tests (unittest): /usr/bin/python3 -m unittest discover -s tb/python -t .
