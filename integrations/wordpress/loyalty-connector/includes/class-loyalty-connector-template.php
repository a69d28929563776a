<?php
/**
 * Renders a file from templates/ with its view data.
 *
 * @package Loyalty_Connector
 */

defined( 'ABSPATH' ) || exit;

/**
 * Templates read `$view`; they escape everything they print.
 */
final class Loyalty_Connector_Template {

	/**
	 * Prints one template.
	 *
	 * @param string $name Template file name without `.php`.
	 * @param array  $view What the template shows.
	 */
	public static function render( string $name, array $view ): void {
		$file = LOYALTY_CONNECTOR_DIR . '/templates/' . basename( $name ) . '.php';
		( static function () use ( $file, $view ): void {
			include $file;
		} )();
	}
}
