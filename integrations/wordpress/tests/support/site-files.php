<?php
/**
 * The test site's database and wp-content folder: made fresh, removed at exit.
 */

/**
 * One site's throwaway resources.
 */
final class Loyalty_Test_Site_Files {

	/**
	 * @param string $database    The MariaDB database name.
	 * @param string $content_dir wp-content, with the plugin in plugins/loyalty-connector.
	 */
	private function __construct( public readonly string $database, public readonly string $content_dir ) {}

	/**
	 * Builds the zip, unzips it into a new wp-content and creates an empty database.
	 */
	public static function create(): self {
		$suffix = bin2hex( random_bytes( 6 ) );
		$root   = sys_get_temp_dir() . '/loyalty-wp-' . $suffix;
		$site   = new self( 'loyalty_wp_' . $suffix, $root . '/wp-content' );
		// Registered from a shutdown function, so it runs after WordPress's own shutdown work.
		register_shutdown_function( static fn() => register_shutdown_function( array( $site, 'remove' ), $root ) );
		mkdir( $site->content_dir . '/plugins', 0777, true );
		$zip = self::build_zip( $root . '/dist' );
		( new PharData( $zip ) )->extractTo( $site->content_dir . '/plugins' );
		self::server()->query( 'CREATE DATABASE `' . $site->database . '` CHARACTER SET utf8mb4' );
		return $site;
	}

	/**
	 * Drops the database and deletes the folder.
	 *
	 * @param string $root The site's temporary folder.
	 */
	public function remove( string $root ): void {
		try {
			self::server()->query( 'DROP DATABASE IF EXISTS `' . $this->database . '`' );
		} finally {
			exec( 'rm -rf ' . escapeshellarg( $root ) );
		}
	}

	/**
	 * An environment value, or the default.
	 *
	 * @param string $name     Variable name.
	 * @param string $fallback Default.
	 */
	public static function env( string $name, string $fallback ): string {
		$value = getenv( $name );
		return false === $value ? $fallback : $value;
	}

	/**
	 * Runs build-zip.sh; returns the zip's path.
	 *
	 * @param string $outdir Where to write it.
	 */
	private static function build_zip( string $outdir ): string {
		$script = dirname( __DIR__, 2 ) . '/build-zip.sh';
		exec( escapeshellarg( $script ) . ' ' . escapeshellarg( $outdir ) . ' 2>&1', $output, $status );
		if ( 0 !== $status ) {
			fwrite( STDERR, "build-zip.sh failed:\n" . implode( "\n", $output ) . "\n" );
			exit( 1 );
		}
		return $outdir . '/loyalty-connector.zip';
	}

	/**
	 * A connection to the MariaDB server (no database selected).
	 */
	private static function server(): mysqli {
		mysqli_report( MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT );
		list( $host, $port ) = array_pad( explode( ':', self::env( 'LOYALTY_WP_DB_HOST', '127.0.0.1:3306' ) ), 2, '3306' );
		try {
			return new mysqli( $host, self::env( 'LOYALTY_WP_DB_USER', 'root' ), self::env( 'LOYALTY_WP_DB_PASSWORD', '' ), '', (int) $port );
		} catch ( mysqli_sql_exception $e ) {
			fwrite( STDERR, "The WordPress tests need MariaDB at $host:$port ({$e->getMessage()}). Run scripts/ensure-php.sh, which starts it.\n" );
			exit( 1 );
		}
	}
}
