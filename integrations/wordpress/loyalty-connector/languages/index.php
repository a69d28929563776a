<?php
// Translations for the `loyalty-connector` text domain go here (loyalty-connector-{locale}.mo).
